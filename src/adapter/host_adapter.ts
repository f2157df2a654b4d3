/**
 * The adapter for each runtime key. In the browser build (`scripts/build_browser.mjs`) this file
 * is replaced by `host_adapter.browser.ts`, so that a page's bundle never reaches the Deno and
 * `node:` adapters.
 *
 * @module
 */
import { createBrowserAdapter } from "./browser.ts";
import { createDenoAdapter } from "./deno.ts";
import { createNodeLikeAdapter } from "./node_like.ts";
import type { RuntimeAdapter, RuntimeKey } from "./types.ts";

interface Versions {
  Bun?: { version?: string };
  process?: { versions?: { node?: string } };
}

/**
 * The adapter for a runtime already named by `getRuntimeKey()`.
 *
 * @example
 * ```ts
 * import { createHostAdapter } from "./host_adapter.ts";
 * console.log(createHostAdapter("browser").key); // "browser"
 * ```
 */
export function createHostAdapter(key: RuntimeKey): RuntimeAdapter {
  const g = globalThis as Versions;
  switch (key) {
    case "deno":
      return createDenoAdapter();
    case "bun":
      return createNodeLikeAdapter("bun", g.Bun!.version!);
    case "node":
      return createNodeLikeAdapter("node", g.process!.versions!.node!);
    default:
      return createBrowserAdapter();
  }
}
