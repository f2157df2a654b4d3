/**
 * Turning a `run()` call into a task record: validating the per-call options (errors name the task
 * and the option), filling the record the pool tracks until the task settles, and arming its
 * timeout and abort signal.
 *
 * @module
 */
import { abortError, TimeoutError } from "./errors.ts";
import type { LaneIndex } from "./lane_queues.ts";
import type { RunOptions } from "./run_options.ts";
import type { Task } from "./task.ts";
import { checkCloneable, transferList } from "./task_input.ts";
import { assertInteger, assertTimerMs } from "./validate.ts";

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
 * import { newTask } from "./task_factory.ts";
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
  lane: LaneIndex,
  handlers: TaskHandlers,
): Task {
  const { priority = 0, timeoutMs, signal, transfer, retries = 0, onProgress, stage } = options;
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot run a task as 'name' must be a string: current value is ${String(name)}`,
    );
  }
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new RangeError(
      `Cannot run task '${name}' as 'priority' must be a finite number: current value is ${
        String(priority)
      }`,
    );
  }
  if (timeoutMs !== undefined) {
    assertInteger(`run task '${name}'`, "timeoutMs", timeoutMs, { min: 1 });
    assertTimerMs(`run task '${name}'`, "timeoutMs", timeoutMs);
  }
  assertInteger(`run task '${name}'`, "retries", retries, { min: 0 });
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new TypeError(
      `Cannot run task '${name}' as 'onProgress' must be a function: current value is ${typeof onProgress}`,
    );
  }
  const transferables = transferList(name, transfer);
  checkCloneable(name, input);
  if (signal?.aborted) throw abortError(signal);
  const task: Task = {
    id,
    name,
    input,
    priority,
    lane,
    transfer: transferables,
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
    onAbort: undefined,
  };
  if (timeoutMs !== undefined) {
    task.timer = setTimeout(
      () => handlers.cancel(task, new TimeoutError(name, timeoutMs)),
      timeoutMs,
    );
  }
  if (signal) {
    task.onAbort = () => handlers.cancel(task, abortError(signal));
    signal.addEventListener("abort", task.onAbort, { once: true });
  }
  return task;
}
