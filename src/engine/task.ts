/**
 * A task: the options of one `run()` call, their validation, and the pool's record of the call
 * from queueing to settling (with its own timeout and abort wiring).
 *
 * @module
 */
import { onAbort } from "./abort_fanout.ts";
import { abortError, TimeoutError } from "../errors.ts";
import { checkCloneable, transferList } from "./task_input.ts";
import {
  assertInteger,
  assertKnownOptions,
  assertOptionsObject,
  assertTimerMs,
  show,
} from "../validate.ts";
import type { LinkedTask, WorkerLink } from "../transport/worker_link.ts";

/** One task in the pool (internal). */
export interface Task extends LinkedTask {
  readonly id: number;
  readonly name: string;
  readonly input: unknown;
  readonly priority: number;
  /** Which lane it queues and runs in (worker: one at a time per worker; async: many). */
  lane: 0 | 1; // a LaneIndex (lane_queues.ts), spelled out: that module imports this one
  readonly transfer: Transferable[] | undefined;
  readonly stage: string | undefined;
  readonly onProgress: ((value: unknown) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  retriesLeft: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** When run() was called (performance.now()). */
  queuedAt: number;
  /** When it was sent to a worker; 0 while queued. */
  sentAt: number;
  worker: WorkerLink<Task> | null;
  slot: number;
  settled: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Stops watching its signal (one listener per signal, shared: see abort_fanout.ts). */
  unwatch: (() => void) | undefined;
}

/** Where a task's outcome goes, and who cancels it when its timeout or signal fires. */
export interface TaskHandlers {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  cancel: (task: Task, error: Error) => void;
}

/**
 * Validates a call and returns its task record, armed: its `timeoutMs` timer and its signal's
 * abort listener call `handlers.cancel`. Throws `TypeError`/`RangeError` for a bad call, and the
 * signal's `AbortError` when it is already aborted.
 *
 * @example
 * ```ts
 * import { newTask } from "./task.ts";
 * const handlers = { resolve: () => {}, reject: () => {}, cancel: () => {} };
 * const task = newTask(1, "render", { title: "Hi" }, { priority: 2 }, 0, handlers);
 * console.log(task.priority, task.lane); // 2 0
 * ```
 */
export function newTask(
  id: number,
  name: string,
  input: unknown,
  options: RunOptions,
  lane: 0 | 1,
  handlers: TaskHandlers,
): Task {
  const transfer = checkRunOptions(name, options);
  const { priority = 0, timeoutMs, signal, retries = 0, onProgress, stage } = options;
  checkCloneable(name, input);
  if (signal?.aborted) throw abortError(signal);
  const task: Task = {
    id,
    name,
    input,
    priority,
    lane,
    transfer,
    stage,
    onProgress,
    signal,
    timeoutMs,
    retriesLeft: retries,
    resolve: handlers.resolve,
    reject: handlers.reject,
    queuedAt: performance.now(),
    sentAt: 0,
    worker: null,
    slot: -1,
    settled: false,
    timer: undefined,
    unwatch: undefined,
  };
  if (timeoutMs !== undefined) {
    task.timer = setTimeout(
      () => handlers.cancel(task, new TimeoutError(name, timeoutMs)),
      timeoutMs,
    );
  }
  if (signal) task.unwatch = onAbort(signal, () => handlers.cancel(task, abortError(signal)));
  return task;
}

/**
 * Validates the name and the options of a call to task `name`, as `run()` (and `map()`, with
 * its own option names and action) take them, and returns the transfer list as an array. Throws
 * a `TypeError`/`RangeError` naming the task and the option, an unknown one included.
 *
 * @example
 * ```ts
 * import { checkRunOptions } from "./task.ts";
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
