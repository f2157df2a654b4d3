/**
 * The process profile's options (`isolation: "process"`, with `process: { … }`): their
 * documentation, defaults and validation, turned into the settings the process link runs with.
 *
 * @module
 */
import type { ProcessSettings } from "../transport/process_link.ts";
import {
  assertInteger,
  assertKnownOptions,
  assertOptionsObject,
  assertTimerMs,
  show,
} from "../validate.ts";

/** Options of the process profile, under `PoolOptions.process`. */
export interface ProcessOptions {
  /**
   * Variables added to each child's environment, over the pool's own environment and the thread
   * caps (set one of those here to override it). @default {{}}
   */
  env?: Record<string, string>;
  /**
   * Cap on each child's V8 heap in MB (`--max-old-space-size`, Deno and Node); a child past it
   * dies and its task rejects with `WorkerCrashedError`. Bun (JavaScriptCore) has no such cap:
   * there the option is accepted and has no effect; use `maxMemoryMb`. 0: none. @default {0}
   */
  maxHeapMb?: number;
  /**
   * Deno permission flags for each child, such as `["--allow-read=/data", "--allow-net=api.example.com"]`.
   * Without it a child may read its task module and nothing else. Ignored on Bun and Node, which
   * have no permissions. @default {["--allow-read=<the task module's path>"]}
   */
  denoPermissions?: string[];
  /** Time between heartbeat pings to an idle child; 0 turns heartbeats off. @default {5000} */
  heartbeatIntervalMs?: number;
  /** A ping not answered within this long is missed (at least `heartbeatIntervalMs`). @default {15000} */
  heartbeatTimeoutMs?: number;
  /** Missed pings in a row after which a child is killed and replaced. @default {2} */
  maxMissedHeartbeats?: number;
  /** A child older than this retires after its current task and a fresh one starts (0: never). @default {0} */
  workerTtlMs?: number;
  /**
   * A child whose resident memory (read by the child after each batch of results) passes this
   * retires after its current task and a fresh one starts (0: never). @default {0}
   */
  maxMemoryMb?: number;
  /** Children started at once. @default {8} */
  startupBatchSize?: number;
  /** The delay between one batch of starting children and the next. @default {100} */
  startupBatchDelayMs?: number;
}

/** The names of {@linkcode ProcessOptions}, for the unknown-option check. */
export const PROCESS_OPTION_NAMES: readonly string[] = Object.freeze([
  "env",
  "maxHeapMb",
  "denoPermissions",
  "heartbeatIntervalMs",
  "heartbeatTimeoutMs",
  "maxMissedHeartbeats",
  "workerTtlMs",
  "maxMemoryMb",
  "startupBatchSize",
  "startupBatchDelayMs",
]);

/**
 * Native libraries start one thread per core unless told otherwise; with one child per core that
 * is cores² threads fighting for the machine (the seed's process profile sets these to 1).
 */
export const THREAD_CAPS: Readonly<Record<string, string>> = Object.freeze({
  OMP_NUM_THREADS: "1",
  OPENBLAS_NUM_THREADS: "1",
  MKL_NUM_THREADS: "1",
  NUMEXPR_NUM_THREADS: "1",
  VECLIB_MAXIMUM_THREADS: "1",
});

const action = "create pool";

/**
 * Applies defaults and validates every process option, naming the bad one.
 *
 * @example
 * ```ts
 * import { resolveProcessOptions } from "./process_options.ts";
 * console.log(resolveProcessOptions({ maxMemoryMb: 256 }).env.OMP_NUM_THREADS); // "1"
 * ```
 */
export function resolveProcessOptions(options: ProcessOptions = {}): ProcessSettings {
  assertOptionsObject(action, "process", options);
  assertKnownOptions(action, options, PROCESS_OPTION_NAMES, "process.");
  const env = options.env ?? {};
  assertOptionsObject(action, "process.env", env);
  for (const [k, v] of Object.entries(env)) {
    if (typeof v !== "string") {
      throw new TypeError(
        `Cannot ${action} as 'process.env.${k}' must be a string: current value is ${show(v)}`,
      );
    }
  }
  const int = (name: keyof ProcessOptions, fallback: number, min = 0, timer = false): number => {
    const value = options[name] ?? fallback;
    assertInteger(action, `process.${name}`, value, { min });
    if (timer) assertTimerMs(action, `process.${name}`, value as number);
    return value as number;
  };
  const maxHeapMb = int("maxHeapMb", 0);
  const intervalMs = int("heartbeatIntervalMs", 5000, 0, true);
  const timeoutMs = int("heartbeatTimeoutMs", 15_000, 1, true);
  if (intervalMs > 0 && timeoutMs < intervalMs) {
    throw new RangeError(
      `Cannot ${action} as 'process.heartbeatTimeoutMs' must be >= 'process.heartbeatIntervalMs' ` +
        `(${intervalMs}): current value is ${timeoutMs}`,
    );
  }
  const maxMissed = int("maxMissedHeartbeats", 2, 1);
  const workerTtlMs = int("workerTtlMs", 0, 0, true);
  const maxMemoryMb = int("maxMemoryMb", 0);
  const startupBatchSize = int("startupBatchSize", 8, 1);
  const startupBatchDelayMs = int("startupBatchDelayMs", 100, 0, true);
  let denoPermissions: string[] | null = null;
  if (options.denoPermissions !== undefined) {
    const flags = options.denoPermissions;
    if (!Array.isArray(flags)) {
      throw new TypeError(
        `Cannot ${action} as 'process.denoPermissions' must be an array of permission flags: ` +
          `current value is ${show(flags)}`,
      );
    }
    flags.forEach((flag, i) => {
      if (typeof flag !== "string" || !/^--(allow|deny)-[a-z-]+(=.*)?$/.test(flag)) {
        throw new TypeError(
          `Cannot ${action} as 'process.denoPermissions[${i}]' must be a flag such as ` +
            `"--allow-read=/data" or "--deny-net": current value is ${show(flag)}`,
        );
      }
    });
    denoPermissions = [...flags];
  }
  return {
    env: { ...THREAD_CAPS, ...env },
    maxHeapMb,
    denoPermissions,
    heartbeat: { intervalMs, timeoutMs, maxMissed },
    workerTtlMs,
    maxMemoryMb,
    startupBatchSize,
    startupBatchDelayMs,
  };
}
