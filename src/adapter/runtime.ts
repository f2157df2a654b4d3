/**
 * Runtime detection, done once. Deno and Bun both report `process.versions.node`, so they are
 * tested for first.
 *
 * @module
 */
import { createHostAdapter } from "./host_adapter.ts";
import type { RuntimeAdapter, RuntimeKey } from "./types.ts";

interface Globals {
  Deno?: { version?: { deno?: string } };
  Bun?: { version?: string };
  process?: { versions?: { node?: string } };
}

/**
 * Names the runtime this code runs on. Never throws.
 *
 * @example
 * ```ts
 * import { getRuntimeKey } from "./runtime.ts";
 * console.log(getRuntimeKey()); // "deno" under `deno run`
 * ```
 */
export function getRuntimeKey(globals: Globals = globalThis as Globals): RuntimeKey {
  if (typeof globals.Deno?.version?.deno === "string") return "deno";
  if (typeof globals.Bun?.version === "string") return "bun";
  if (typeof globals.process?.versions?.node === "string") return "node";
  return "browser";
}

/**
 * The adapter for the current runtime, created once at import.
 *
 * @example
 * ```ts
 * import { runtime } from "./runtime.ts";
 * console.log(runtime.key, runtime.version);
 * ```
 */
export const runtime: RuntimeAdapter = createHostAdapter(getRuntimeKey());
