/**
 * The seam between the neutral core and each runtime. Everything that names `Deno`, `Bun` or a
 * `node:` module lives behind this interface, in `src/adapter/`.
 *
 * @module
 */

/** Which JavaScript runtime the code runs on. */
export type RuntimeKey = "deno" | "bun" | "node" | "browser";

/** The outcome of reading a file: its text, or why it could not be read. */
export type ReadResult =
  | { ok: true; text: string }
  | { ok: false; reason: "missing" | "not permitted" | "unsupported" | "unreadable" };

/** Total and available memory of the machine, in bytes. */
export interface SystemMemory {
  total: number;
  available: number;
}

/** The few runtime-specific functions the core needs. */
export interface RuntimeAdapter {
  /** The runtime's name. */
  readonly key: RuntimeKey;
  /** The runtime's own version, e.g. `"2.9.6"`; `"unknown"` where it has none. */
  readonly version: string;
  /** Reads a small text file (`/proc`, cgroup); never throws. */
  readTextFile(path: string): ReadResult;
  /** Reads an environment variable; `undefined` when unset or not permitted. Never throws. */
  env(name: string): string | undefined;
  /** Machine memory from the runtime's own API, or `undefined` when it is not available. */
  systemMemory(): SystemMemory | undefined;
  /** 1-minute load average, or `undefined` when not available. */
  loadAverage(): number | undefined;
  /**
   * The CPUs this process may use by the runtime's own count (Node's `os.availableParallelism()`),
   * for runtimes without `navigator.hardwareConcurrency` (Node 20); absent or `undefined` elsewhere.
   */
  availableParallelism?(): number | undefined;
  /** Bytes of memory the current isolate uses (heap or RSS), or `undefined`. */
  memoryUsage(): number | undefined;
  /** Command-line arguments after the script name; empty where there are none. */
  args(): string[];
  /**
   * Sets the code the process exits with once its work is done. Unlike an immediate exit, this
   * lets output still buffered for a pipe reach it. A no-op where there is no process.
   */
  setExitCode(code: number): void;
}
