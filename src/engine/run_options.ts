/**
 * Options of one `run()` call.
 *
 * @module
 */

/** The names of {@linkcode RunOptions}, for the unknown-option check. */
export const RUN_OPTION_NAMES: readonly string[] = Object.freeze([
  "priority",
  "timeoutMs",
  "signal",
  "transfer",
  "retries",
  "onProgress",
  "stage",
]);

/** Options of one `run()` call. */
export interface RunOptions {
  /** Lower runs first; FIFO within a priority. @default {0} */
  priority?: number;
  /** Reject with `TimeoutError` this long after the call (queue time included). @default {no timeout} */
  timeoutMs?: number;
  /** Cancels the task: removed if queued, asked to stop if running. @default {undefined} */
  signal?: AbortSignal;
  /** Objects to transfer (zero-copy) instead of cloning, e.g. ArrayBuffers in the input; any iterable is read once. @default {[]} */
  transfer?: Transferable[];
  /** Times to run the task again if its worker crashes while running it. @default {0} */
  retries?: number;
  /** Receives the task's `ctx.progress(value)` calls, in order, never after the result. @default {undefined} */
  onProgress?: (value: unknown) => void;
  /** Stage (group of tasks) for metrics and SLA reports. @default {undefined} */
  stage?: string;
}
