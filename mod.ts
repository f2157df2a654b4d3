/**
 * workloom: a workload-aware worker pool for Deno and Bun.
 *
 * @example
 * ```ts
 * import { getRuntimeKey } from "@workloom/workloom";
 * console.log(getRuntimeKey());
 * ```
 *
 * @module
 */
export { getRuntimeKey, runtime } from "./src/runtime.ts";
export type { ReadResult, RuntimeAdapter, RuntimeKey, SystemMemory } from "./src/adapter/types.ts";
export {
  abortError,
  PoolClosedError,
  QueueFullError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
} from "./src/errors.ts";
export { createPool, Pool } from "./src/pool.ts";
export type { CloseOptions, MapOptions, RunOptions } from "./src/pool.ts";
export type { PoolOptions } from "./src/pool_options.ts";
export type { PoolEventMap, PoolEventName } from "./src/pool_events.ts";
export type { TaskContext } from "./src/task_context.ts";
export type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "./src/task_types.ts";
