import type { RuntimeAdapter } from "./types.ts";

/**
 * The browser adapter: no files, no environment, no machine memory.
 *
 * @example
 * ```ts
 * import { createBrowserAdapter } from "./browser.ts";
 * createBrowserAdapter().readTextFile("/proc/stat"); // { ok: false, reason: "unsupported" }
 * ```
 */
export function createBrowserAdapter(): RuntimeAdapter {
  return {
    key: "browser",
    version: "unknown",
    readTextFile: () => ({ ok: false, reason: "unsupported" }),
    env: () => undefined,
    systemMemory: () => undefined,
    loadAverage: () => undefined,
    memoryUsage: () => {
      const perf = globalThis.performance as unknown as { memory?: { usedJSHeapSize: number } };
      return perf.memory?.usedJSHeapSize;
    },
    args: () => [],
    setExitCode: () => {},
  };
}

/**
 * The address paths resolve against in a page (`document.baseURI`), or `undefined` where there is
 * no page (Deno, Bun, Node, a worker).
 *
 * @example
 * ```ts
 * import { pageBaseUrl } from "./browser.ts";
 * console.log(pageBaseUrl()); // undefined outside a page
 * ```
 */
export function pageBaseUrl(): string | undefined {
  const doc = (globalThis as { document?: { baseURI?: unknown } }).document;
  return typeof doc?.baseURI === "string" ? doc.baseURI : undefined;
}
