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
