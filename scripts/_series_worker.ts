/**
 * A worker of `series --jobs N`: analyses the frames it is sent, one at a
 * time, with the permissions of the script that started it.
 *
 * @module
 */

import { answerOf, type FrameTask, processFrame, type WorkerAnswer } from "./_series_frame.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<FrameTask>) => void) | null;
  postMessage(message: WorkerAnswer): void;
};

scope.onmessage = async (event: MessageEvent<FrameTask>) => {
  let answer: WorkerAnswer;
  try {
    answer = { ok: true, outcome: await processFrame(event.data) };
  } catch (err) {
    answer = answerOf(err);
  }
  scope.postMessage(answer);
};
