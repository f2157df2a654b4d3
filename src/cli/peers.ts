/**
 * The npm package's optional peers, as the command line meets them: `workloom serve` needs Hono,
 * `@hono/zod-openapi` and zod (and the Redis client with `--queue`), which a user who only wanted
 * the pool has not installed. When one is missing, the command says which and how to install it
 * with the package manager of the runtime that runs it, instead of a bundler's chunk name.
 *
 * @module
 */
import type { RuntimeKey } from "../adapter/types.ts";

/** The peers the job server needs. */
export const SERVER_PEERS = ["hono", "@hono/zod-openapi", "zod"] as const;
/** The peer `--queue` needs besides. */
export const REDIS_PEERS = ["redis"] as const;

/**
 * The package a failed import could not find, read from the runtime's error (Node and Bun:
 * `Cannot find package 'x'`; Deno: `Import "x" not a dependency`), or `undefined` when the error is
 * something else. A subpath (`hono/cors`) is reduced to its package (`hono`).
 *
 * @example
 * ```ts
 * import { missingPackage } from "./peers.ts";
 * console.log(missingPackage(new Error("Cannot find package 'hono' imported from /a.js"))); // hono
 * ```
 */
export function missingPackage(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const m = /Cannot find (?:package|module) '([^']+)'/.exec(message) ??
    /Import "([^"]+)" not a dependency/.exec(message);
  if (!m || m[1].startsWith(".") || m[1].startsWith("/") || m[1].startsWith("file:")) {
    return undefined;
  }
  const parts = m[1].replace(/^npm:/, "").split("/");
  return parts[0].startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * The command that installs `packages` with the package manager that goes with `runtime`.
 *
 * @example
 * ```ts
 * import { installCommand } from "./peers.ts";
 * console.log(installCommand(["hono", "zod"], "bun")); // bun add hono zod
 * ```
 */
export function installCommand(packages: readonly string[], runtime: RuntimeKey): string {
  if (runtime === "bun") return `bun add ${packages.join(" ")}`;
  if (runtime === "deno") return `deno add ${packages.map((p) => `npm:${p}`).join(" ")}`;
  return `npm install ${packages.join(" ")}`;
}

/**
 * Imports what a command needs from the optional peers, turning a missing peer into an `Error`
 * that names it and the command installing all of `peers`; any other failure is rethrown as is.
 *
 * @example
 * ```ts ignore
 * import { importPeers, SERVER_PEERS } from "./peers.ts";
 * const { createServer } = await importPeers(
 *   () => import("../server/create_server.ts"), SERVER_PEERS, "workloom serve", "node");
 * ```
 */
export async function importPeers<T>(
  load: () => Promise<T>,
  peers: readonly string[],
  what: string,
  runtime: RuntimeKey,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const missing = missingPackage(e);
    if (missing === undefined || !peers.includes(missing)) throw e;
    throw new Error(
      `${what} needs the optional peer ${missing}, which is not installed: ` +
        `${installCommand(peers, runtime)}`,
    );
  }
}
