/**
 * The one spelling of a lane, shared by the engine, the transport, the metrics and the
 * controller. The worker lane holds tasks that compute: one runs at a time per worker. The async
 * lane holds tasks that mostly wait: up to `concurrency` of them run at once per worker.
 *
 * @module
 */

/** Where a task runs: one at a time per worker, or many in flight per worker. */
export type Lane = "worker" | "async";

/**
 * The lanes in dispatch order (the worker lane first).
 *
 * @example
 * ```ts
 * import { LANES } from "./lane.ts";
 * console.log(LANES); // ["worker", "async"]
 * ```
 */
export const LANES: readonly Lane[] = Object.freeze(["worker", "async"] as Lane[]);
