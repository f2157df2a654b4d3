/**
 * The browser build's twin of `process_link.ts` (see `scripts/build_browser.mjs`): a page cannot
 * start child processes, so `isolation: "process"` fails when the pool is created, and the
 * bundle does not reach `node:child_process`.
 *
 * @module
 */
import type { ProcessSettings } from "./process_link.ts";
import type { SpawnLink } from "./worker_link.ts";

/**
 * Throws: there are no child processes in a page.
 *
 * @example
 * ```ts ignore
 * createProcessSpawner(settings); // TypeError: … a browser page cannot start child processes …
 * ```
 */
export function createProcessSpawner(_settings: ProcessSettings): SpawnLink {
  throw new TypeError(
    `Cannot create pool as 'isolation' must be "thread" in a browser page, which cannot start ` +
      `child processes: current value is "process"`,
  );
}
