/**
 * Turning a `run()` call into a task record: validating the per-call options (errors name the task
 * and the option) and filling the record the pool tracks until the task settles.
 *
 * @module
 */
import type { LaneIndex } from "./lane_queues.ts";
import type { RunOptions } from "./run_options.ts";
import type { Task } from "./task.ts";
import { checkCloneable } from "./task_input.ts";
import { assertInteger } from "./validate.ts";

/**
 * Validates a call and returns its task record; throws `TypeError`/`RangeError` for a bad call.
 * Timers and abort listeners are the pool's to attach.
 *
 * @example
 * ```ts
 * import { newTask } from "./task_factory.ts";
 * const task = newTask(1, "render", { title: "Hi" }, { priority: 2 }, 0, () => {}, () => {});
 * console.log(task.priority, task.lane); // 2 0
 * ```
 */
export function newTask(
  id: number,
  name: string,
  input: unknown,
  options: RunOptions,
  lane: LaneIndex,
  resolve: (value: unknown) => void,
  reject: (error: unknown) => void,
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
  }
  assertInteger(`run task '${name}'`, "retries", retries, { min: 0 });
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new TypeError(
      `Cannot run task '${name}' as 'onProgress' must be a function: current value is ${typeof onProgress}`,
    );
  }
  checkCloneable(name, input);
  return {
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
    resolve,
    reject,
    queuedAt: performance.now(),
    sentAt: 0,
    worker: null,
    slot: -1,
    settled: false,
    timer: undefined,
    onAbort: undefined,
  };
}
