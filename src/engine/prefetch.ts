/**
 * How many tasks a worker may hold beyond those it runs. Prefetch hides the message round trip
 * for tiny tasks (the next batch is already there when the current one ends); bounding it by a
 * time budget keeps a later high-priority task from waiting long behind prefetched ones, and
 * keeps long tasks spread evenly instead of piled on one worker.
 *
 * @module
 */

/** Milliseconds of measured work a worker may hold in prefetch. */
export const PREFETCH_BUDGET_MS = 1;
/** Upper bound on prefetched tasks per worker and lane. */
export const MAX_PREFETCH = 1024;

/**
 * Tasks to prefetch given the mean run time of recent tasks (negative: not measured yet, so
 * none) and how many run at once.
 *
 * @example
 * ```ts
 * import { prefetchFor } from "./prefetch.ts";
 * console.log(prefetchFor(0.01, 1)); // 100: tiny tasks, one message carries many
 * console.log(prefetchFor(5, 1)); // 0: a 5 ms task is worth its own round trip
 * ```
 */
export function prefetchFor(meanRunMs: number, running: number): number {
  if (meanRunMs < 0) return 0;
  return Math.min(
    MAX_PREFETCH,
    Math.floor((PREFETCH_BUDGET_MS * running) / Math.max(meanRunMs, 0.001)),
  );
}
