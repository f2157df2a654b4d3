import type { ReadResult, RuntimeAdapter } from "./types.ts";

// The slice of the Deno namespace we use, declared here so that `tsc` (with Bun's and Node's
// types) checks this file too without pulling in Deno's whole type library.
interface DenoApi {
  version: { deno: string };
  errors: {
    NotFound: ErrorConstructor;
    NotCapable: ErrorConstructor;
    PermissionDenied: ErrorConstructor;
  };
  readTextFileSync(path: string): string;
  env: { get(name: string): string | undefined };
  systemMemoryInfo(): { total: number; available: number };
  loadavg(): number[];
  memoryUsage(): { rss: number };
  args: string[];
  exitCode: number;
}

/**
 * The Deno adapter. Every call is guarded: without `--allow-read`, `--allow-env` or
 * `--allow-sys` Deno throws `NotCapable`/`PermissionDenied`, which we report as "not permitted".
 *
 * @example
 * ```ts ignore
 * import { createDenoAdapter } from "./deno.ts";
 * createDenoAdapter().readTextFile("/proc/stat");
 * ```
 */
export function createDenoAdapter(): RuntimeAdapter {
  const D = (globalThis as unknown as { Deno: DenoApi }).Deno;
  return {
    key: "deno",
    version: D.version.deno,
    readTextFile(path: string): ReadResult {
      try {
        return { ok: true, text: D.readTextFileSync(path) };
      } catch (e) {
        if (e instanceof D.errors.NotFound) return { ok: false, reason: "missing" };
        if (e instanceof D.errors.NotCapable || e instanceof D.errors.PermissionDenied) {
          return { ok: false, reason: "not permitted" };
        }
        return { ok: false, reason: "unreadable" };
      }
    },
    env(name: string): string | undefined {
      try {
        return D.env.get(name);
      } catch {
        return undefined;
      }
    },
    systemMemory() {
      try {
        const m = D.systemMemoryInfo();
        return { total: m.total, available: m.available };
      } catch {
        return undefined;
      }
    },
    loadAverage() {
      try {
        return D.loadavg()[0];
      } catch {
        return undefined;
      }
    },
    memoryUsage() {
      try {
        return D.memoryUsage().rss;
      } catch {
        return undefined;
      }
    },
    args: () => [...D.args],
    setExitCode(code: number) {
      D.exitCode = code;
    },
  };
}
