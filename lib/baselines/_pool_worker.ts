/**
 * The worker thread of {@link WorkerPool}: the kernels it can run, by name.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { serveRun, type Task, type TaskName } from "./pool.ts";
import { smacofStarts } from "./mds.ts";
import { tsneForces } from "./tsne_gradient.ts";
import { knnBlocks } from "./knn.ts";
import { squaredGeodesicRows } from "./_graph.ts";

const TASKS: Record<TaskName, Task> = { smacofStarts, tsneForces, knnBlocks, squaredGeodesicRows };

self.onmessage = (event: MessageEvent) => serveRun(TASKS, event.data);
self.postMessage("ready");
