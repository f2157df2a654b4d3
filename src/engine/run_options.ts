/**
 * The options of one `run()` call and their validation, as `run()`, `map()` and the hand-off
 * take them.
 *
 * @module
 */
import { transferList } from "./task_input.ts";
import {
  assertInteger,
  assertKnownOptions,
  assertOptionsObject,
  assertTimerMs,
  show,
} from "../validate.ts";

/**
 * Validates the name and the options of a call to task `name`, as `run()` (and `map()`, with
 * its own option names and action) take them, and returns the transfer list as an array. Throws
 * a `TypeError`/`RangeError` naming the task and the option, an unknown one included.
 *
 * @example
 * ```ts
 * import { checkRunOptions } from "./run_options.ts";
 * checkRunOptions("render", { priority: 1, stage: "pages" });
 * ```
 */
export function checkRunOptions(
  name: string,
  options: RunOptions,
  known: readonly string[] = RUN_OPTION_NAMES,
  action = `run task '${name}'`,
): Transferable[] | undefined {
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot run a task as 'name' must be a string: current value is ${String(name)}`,
    );
  }
  assertOptionsObject(action, "options", options);
  assertKnownOptions(action, options, known);
  const { priority = 0, timeoutMs, signal, transfer, retries = 0, onProgress, stage } = options;
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new RangeError(
      `Cannot ${action} as 'priority' must be a finite number: current value is ${
        String(priority)
      }`,
    );
  }
  if (timeoutMs !== undefined) {
    assertInteger(action, "timeoutMs", timeoutMs, { min: 1 });
    assertTimerMs(action, "timeoutMs", timeoutMs);
  }
  assertInteger(action, "retries", retries, { min: 0 });
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new TypeError(
      `Cannot ${action} as 'onProgress' must be a function: current value is ${typeof onProgress}`,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot ${action} as 'signal' must be an AbortSignal: current value is ${show(signal)}`,
    );
  }
  if (stage !== undefined && (typeof stage !== "string" || stage === "")) {
    throw new TypeError(
      `Cannot ${action} as 'stage' must be a non-empty string: current value is ${show(stage)}`,
    );
  }
  return transferList(name, transfer);
}

/**
 * The options of a call that passed none: `run()`'s default, which admission knows needs no
 * check (an options object the caller passed, even an empty one, is checked).
 *
 * @example
 * ```ts
 * import { NO_OPTIONS } from "./run_options.ts";
 * console.log(Object.isFrozen(NO_OPTIONS)); // true
 * ```
 */
export const NO_OPTIONS: RunOptions = Object.freeze({});

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
