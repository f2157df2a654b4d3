/**
 * The transport a pool uses unless it is given one: Node's worker threads on Node (which has no
 * global `Worker`), Web Workers everywhere else.
 *
 * @module
 */
import { runtime } from "../adapter/runtime.ts";
import { spawnNodeWorker } from "./node_worker_link.ts";
import { spawnWebWorker } from "./web_worker_link.ts";
import type { SpawnLink } from "./worker_link.ts";

/**
 * The default transport for this runtime.
 *
 * @example
 * ```ts
 * import { defaultSpawn } from "./default_spawn.ts";
 * import { spawnWebWorker } from "./web_worker_link.ts";
 * console.log(defaultSpawn === spawnWebWorker); // true on Deno and Bun
 * ```
 */
export const defaultSpawn: SpawnLink = runtime.key === "node" ? spawnNodeWorker : spawnWebWorker;
