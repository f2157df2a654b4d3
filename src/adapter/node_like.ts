import { readFileSync } from "node:fs";
import * as os from "node:os";
import process from "node:process";
import type { ReadResult, RuntimeAdapter, RuntimeKey } from "./types.ts";

/**
 * The adapter for Bun and Node, which share the `node:` modules.
 *
 * @example
 * ```ts ignore
 * import { createNodeLikeAdapter } from "./node_like.ts";
 * createNodeLikeAdapter("bun", "1.4.5").env("CI");
 * ```
 */
export function createNodeLikeAdapter(key: RuntimeKey, version: string): RuntimeAdapter {
  return {
    key,
    version,
    readTextFile(path: string): ReadResult {
      try {
        return { ok: true, text: readFileSync(path, "utf8") };
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, reason: "missing" };
        if (code === "EACCES" || code === "EPERM") return { ok: false, reason: "not permitted" };
        return { ok: false, reason: "unreadable" };
      }
    },
    env: (name: string) => process.env[name],
    systemMemory: () => ({ total: os.totalmem(), available: os.freemem() }),
    loadAverage: () => os.loadavg()[0],
    // Node 18.14+ and Bun; read through the namespace so that an older runtime gets undefined.
    availableParallelism: () => os.availableParallelism?.(),
    memoryUsage: () => process.memoryUsage().rss,
    args: () => process.argv.slice(2),
    setExitCode: (code: number) => {
      process.exitCode = code;
    },
  };
}
