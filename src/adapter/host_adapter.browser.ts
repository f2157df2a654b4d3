/**
 * The browser build's twin of `host_adapter.ts` (see `scripts/build_browser.mjs`): a page is a
 * browser whatever its globals say, and its bundle must not reach the Deno and `node:` adapters.
 *
 * @module
 */
import { createBrowserAdapter } from "./browser.ts";
import type { RuntimeAdapter, RuntimeKey } from "./types.ts";

/**
 * The browser adapter, for every key.
 *
 * @example
 * ```ts
 * import { createHostAdapter } from "./host_adapter.browser.ts";
 * console.log(createHostAdapter("browser").key); // "browser"
 * ```
 */
export function createHostAdapter(_key: RuntimeKey): RuntimeAdapter {
  return createBrowserAdapter();
}
