/**
 * Training progress for scripts: a one-line progress bar redrawn in place
 * on a terminal, plain log lines (one per epoch) otherwise.
 *
 * @module
 */

import type { BatchProgress, EpochRecord } from "../lib/rvae/train.ts";

/** What the training loop reports to. */
export interface ProgressReporter {
  /** After each batch (drawn on a terminal only, at most ~10 times a second). */
  batch(progress: BatchProgress): void;
  /** After each epoch. */
  epoch(record: EpochRecord): void;
  /** A notice (rollback and the like). */
  notice(message: string): void;
  /** Clear the bar. */
  done(): void;
}

/** The training hooks of a pipeline stage that report to `reporter`. */
export function progressHooks(reporter: ProgressReporter): {
  onBatch: (progress: BatchProgress) => void;
  onEpoch: (record: EpochRecord) => void;
  onNotice: (message: string) => void;
} {
  return {
    onBatch: (p) => reporter.batch(p),
    onEpoch: (r) => reporter.epoch(r),
    onNotice: (m) => reporter.notice(m),
  };
}

/** A reporter writing to `stream` (a terminal gets the bar). */
export function progressReporter(
  stream: { isTerminal(): boolean; writeSync(p: Uint8Array): number },
): ProgressReporter {
  const tty = stream.isTerminal();
  const encoder = new TextEncoder();
  const write = (s: string) => void stream.writeSync(encoder.encode(s));
  let lastDraw = 0;
  let barShown = false;
  const clear = () => {
    if (barShown) write("\r\x1b[2K");
    barShown = false;
  };
  return {
    batch(p) {
      if (!tty) return;
      const now = performance.now();
      if (now - lastDraw < 100 && p.batch < p.batches) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round((p.batch / p.batches) * width);
      write(
        `\r\x1b[2Kepoch ${p.epoch}/${p.epochs} [${"#".repeat(filled)}${
          ".".repeat(width - filled)
        }] ${p.batch}/${p.batches} loss ${p.loss.toFixed(3)}`,
      );
      barShown = true;
    },
    epoch(r) {
      clear();
      const held = r.validation ? ` held-out ${r.validation.loss.toFixed(3)}` : "";
      write(
        `epoch ${r.epoch}: loss ${r.train.loss.toFixed(3)} (reconstruction ${
          r.train.reconstruction.toFixed(3)
        }, KL ${r.train.kl.toFixed(3)})${held}, ${r.imagesPerSecond.toFixed(0)} images/s\n`,
      );
    },
    notice(message) {
      clear();
      write(`notice: ${message}\n`);
    },
    done: clear,
  };
}

/** A bar over a count of items (e.g. the frames of a series). */
export interface CountProgress {
  /** `done` of `total` items finished; `note` says what the last one was. */
  update(done: number, total: number, note?: string): void;
  /** Clear the bar. */
  done(): void;
}

/**
 * A bar over items, redrawn in place on a terminal (at most ~10 times a
 * second, and on the last item); elsewhere one line per item.
 */
export function countProgress(
  stream: { isTerminal(): boolean; writeSync(p: Uint8Array): number },
  label: string,
): CountProgress {
  const tty = stream.isTerminal();
  const encoder = new TextEncoder();
  const write = (s: string) => void stream.writeSync(encoder.encode(s));
  let lastDraw = 0;
  let shown = false;
  return {
    update(done, total, note = "") {
      if (!tty) {
        write(`${label} ${done}/${total}${note ? ` ${note}` : ""}\n`);
        return;
      }
      const now = performance.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round((done / Math.max(1, total)) * width);
      write(
        `\r\x1b[2K${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}` +
          (note ? ` ${note}` : ""),
      );
      shown = true;
    },
    done() {
      if (shown) write("\r\x1b[2K");
      shown = false;
    },
  };
}
