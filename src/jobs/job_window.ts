/**
 * How many jobs the in-memory runner hands the pool ahead, when its `concurrency` is not fixed:
 * enough for about `WINDOW_WORK_MS` of work per task slot by the tasks' measured run time. Short
 * jobs then reach the pool in batches large enough to fill one message per worker, while the
 * work already handed over, which fairness and priorities can no longer reorder, stays about a
 * millisecond per slot: a high-priority job or another tenant's waits no longer than that.
 *
 * @module
 */

/** Work handed ahead per task slot, in ms of the tasks' recent run time. */
export const WINDOW_WORK_MS = 1;

/** Jobs handed ahead per task slot at most (the shortest jobs). */
export const MAX_WINDOW_PER_SLOT = 64;

/**
 * The window for `slots` task slots and a recent run time of `runMs` per task: 2 per slot (the
 * fixed default's) before anything was measured and for jobs of a millisecond or more, up to
 * `MAX_WINDOW_PER_SLOT` for the shortest.
 *
 * @example
 * ```ts
 * import { jobWindow } from "./job_window.ts";
 * console.log(jobWindow(2, undefined), jobWindow(2, 5), jobWindow(2, 0.1), jobWindow(2, 0)); // 4 4 20 128
 * ```
 */
export function jobWindow(slots: number, runMs: number | undefined): number {
  const s = Math.max(1, Math.floor(slots));
  if (runMs === undefined) return 2 * s;
  const perSlot = Math.ceil(WINDOW_WORK_MS / Math.max(runMs, 1e-6));
  return s * Math.min(MAX_WINDOW_PER_SLOT, Math.max(2, perSlot));
}
