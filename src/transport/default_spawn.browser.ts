/**
 * The browser build's twin of `default_spawn.ts` (see `scripts/build_browser.mjs`): a page has
 * Web Workers and no `node:worker_threads`, which its bundle must not reach.
 *
 * @module
 */
import { spawnWebWorker } from "./web_worker_link.ts";
import type { SpawnLink } from "./worker_link.ts";

/**
 * The default transport in a page: Web Workers.
 *
 * @example
 * ```ts
 * import { defaultSpawn } from "./default_spawn.browser.ts";
 * import { spawnWebWorker } from "./web_worker_link.ts";
 * console.log(defaultSpawn === spawnWebWorker); // true
 * ```
 */
export const defaultSpawn: SpawnLink = spawnWebWorker;
