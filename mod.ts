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
