/**
 * Pool options: their documentation, defaults and validation. Defaults come from the workload
 * profile for the detected machine and environment, so a pool created with no options is sized
 * for where it runs.
 *
 * @module
 */
import { CONTROLLER_OPTION_NAMES, type ControllerOptions } from "../tuning/controller_options.ts";
import type { Lane } from "../lane.ts";
import { detectCores } from "../machine/cores.ts";
import { detectEnvironment } from "../machine/environment.ts";
import {
  type EnvironmentName,
  ENVIRONMENTS,
  getProfile,
  type Workload,
  WORKLOADS,
} from "../sizing/profiles.ts";
import { SLOTS_PER_WORKER } from "../transport/protocol.ts";
import type { ProcessSettings } from "../transport/process_link.ts";
import { type ProcessOptions, resolveProcessOptions } from "./process_options.ts";
import { planWorkers, queueBound } from "../sizing/sizing.ts";
import {
  assertInteger,
  assertKnownOptions,
  assertOneOf,
  assertOptionsObject,
  assertTimerMs,
} from "../validate.ts";

/** Options of {@linkcode createPool}. */
export interface PoolOptions {
  /** The kind of work, which picks the profile. @default {"cpu"} */
  workload?: Workload;
  /** The environment whose profile applies. @default {detected: WORKLOOM_ENV, CI variables, else "local"} */
  environment?: EnvironmentName;
  /**
   * Workers kept alive when idle. With the default 0 an idle pool retires every worker after
   * `idleTimeoutMs`, so a script that forgets `close()` still exits (Deno's Web Workers cannot be
   * unref'd). Workers kept with `minWorkers` keep the process alive until `close()`. @default {0}
   */
  minWorkers?: number;
  /** Most workers at once. @default {optimalWorkers() for the effective cores and the profile} */
  maxWorkers?: number;
  /** Most tasks waiting in the queue. @default {queueBound(maxWorkers) from the profile} */
  maxQueue?: number;
  /** What `run()` does when the queue is full: reject with `QueueFullError`, or wait. @default {"reject"} */
  onFull?: "reject" | "wait";
  /** An idle worker above `minWorkers` retires after this long. @default {5000} */
  idleTimeoutMs?: number;
  /** Async tasks one worker runs at once (the seed's threads_per_worker). @default {the profile's concurrencyPerWorker} */
  concurrency?: number;
  /** `"workers"` runs tasks in Web Workers; `"inline"` on the calling thread (debugging). @default {"workers"} */
  mode?: "workers" | "inline";
  /** Retire a worker after this many tasks and start a fresh one (0: never). @default {0} */
  maxTasksPerWorker?: number;
  /** How long a cancelled or timed-out task may keep running before its worker is replaced. @default {500} */
  cancelGraceMs?: number;
  /**
   * How long a worker may take to start (load the task module) before it is ended and counted
   * as a start-up failure. A cold worker importing a large module graph takes a few hundred ms on
   * our 2-core CI machines; 10 s leaves room for a loaded machine without letting a module whose
   * top-level await never settles hold calls for long. @default {10000}
   */
  startTimeoutMs?: number;
  /**
   * Start-up failures in a row (a worker that ends, errs or times out before it is ready) after
   * which the pool stops starting workers and rejects every waiting call with
   * `WorkerStartError`. The pool stays open: the next call tries again. @default {3}
   */
  maxStartFailures?: number;
  /**
   * Pins task names to a lane: `"worker"` (one at a time per worker: computation) or `"async"`
   * (up to `concurrency` at once per worker: waiting). Unpinned names are routed by their measured
   * wait/compute ratio when autotune is on. @default {{}}
   */
  lanes?: Record<string, Lane>;
  /**
   * Tune the pool while it runs (adaptive controller). `false` keeps the size fixed between
   * `minWorkers` and `maxWorkers`, as configured. Controller options given here win over the
   * pool's: `minWorkers`/`maxWorkers` from the pool, `maxConcurrency` 1024 per worker. @default {true when neither maxWorkers nor concurrency is given}
   */
  autotune?: boolean | ControllerOptions;
  /**
   * Where tasks run: `"thread"` in Web Workers (one process, shared memory, fast hand-off), or
   * `"process"` in child processes (crash containment, killable on every runtime, memory
   * recycling, thread caps and a heap cap for native code; tasks' inputs and results are copied).
   * See the README's decision matrix. @default {"thread"}
   */
  isolation?: "thread" | "process";
  /** Options of the process profile (only with `isolation: "process"`). @default {{}} */
  process?: ProcessOptions;
}

/** The names of {@linkcode PoolOptions}, for the unknown-option check. */
export const POOL_OPTION_NAMES: readonly string[] = Object.freeze([
  "workload",
  "environment",
  "minWorkers",
  "maxWorkers",
  "maxQueue",
  "onFull",
  "idleTimeoutMs",
  "concurrency",
  "mode",
  "maxTasksPerWorker",
  "cancelGraceMs",
  "startTimeoutMs",
  "maxStartFailures",
  "lanes",
  "autotune",
  "isolation",
  "process",
]);

/** Options after defaults, validated. */
export interface ResolvedPoolOptions {
  workload: Workload;
  environment: EnvironmentName;
  cores: number;
  minWorkers: number;
  maxWorkers: number;
  maxQueue: number;
  onFull: "reject" | "wait";
  idleTimeoutMs: number;
  concurrency: number;
  mode: "workers" | "inline";
  maxTasksPerWorker: number;
  cancelGraceMs: number;
  startTimeoutMs: number;
  maxStartFailures: number;
  autotune: false | ControllerOptions;
  lanes: Record<string, Lane>;
  isolation: "thread" | "process";
  /** The process profile's settings (defaults when `isolation` is "thread"). */
  process: ProcessSettings;
  /** Why maxWorkers has its value, for diagnostics. */
  sizeReason: string;
}

let machine: { cores: number; coresReason: string; environment: EnvironmentName } | undefined;

function detect(): NonNullable<typeof machine> {
  if (!machine) {
    const cores = detectCores();
    machine = {
      cores: cores.effective,
      coresReason: cores.reason,
      environment: detectEnvironment().name,
    };
  }
  return machine;
}

const action = "create pool";

// A floor for the default queue bound: `Promise.all(items.map(run))` over a few thousand items
// is common and should not hit backpressure on a small machine. Memory stays bounded all the same.
const MIN_DEFAULT_QUEUE = 4096;

/**
 * Applies defaults and validates every option, naming the bad one.
 *
 * @example
 * ```ts
 * import { resolvePoolOptions } from "./pool_options.ts";
 * console.log(resolvePoolOptions({ maxWorkers: 2 }).maxWorkers); // 2
 * ```
 */
export function resolvePoolOptions(options: PoolOptions = {}): ResolvedPoolOptions {
  assertOptionsObject(action, "options", options);
  assertKnownOptions(action, options, POOL_OPTION_NAMES);
  const workload = options.workload ?? "cpu";
  assertOneOf(action, "workload", workload, WORKLOADS);
  const m = options.environment === undefined ? detect() : undefined;
  const environment = options.environment ?? m!.environment;
  assertOneOf(action, "environment", environment, ENVIRONMENTS);
  const cores = m?.cores ?? detect().cores;
  const profile = getProfile(workload, environment);

  const mode = options.mode ?? "workers";
  assertOneOf(action, "mode", mode, ["workers", "inline"] as const);
  const onFull = options.onFull ?? "reject";
  assertOneOf(action, "onFull", onFull, ["reject", "wait"] as const);

  let sizeReason: string;
  let maxWorkers: number;
  if (options.maxWorkers !== undefined) {
    assertInteger(action, "maxWorkers", options.maxWorkers, { min: 1 });
    maxWorkers = options.maxWorkers;
    sizeReason = "maxWorkers option";
  } else {
    const plan = planWorkers(Number.POSITIVE_INFINITY, { workload, environment, cores });
    maxWorkers = plan.workers;
    sizeReason =
      `${workload} profile for ${environment} on ${cores} effective cores, limited by ${plan.limitedBy}`;
  }
  const minWorkers = options.minWorkers ?? 0;
  assertInteger(action, "minWorkers", minWorkers, { min: 0 });
  if (minWorkers > maxWorkers) {
    throw new RangeError(
      `Cannot ${action} as 'minWorkers' must be <= 'maxWorkers' (${maxWorkers}): current value is ${minWorkers}`,
    );
  }
  const concurrency = options.concurrency ?? profile.concurrencyPerWorker;
  assertInteger(action, "concurrency", concurrency, { min: 1, max: SLOTS_PER_WORKER / 2 });
  const maxQueue = options.maxQueue ??
    Math.max(queueBound(maxWorkers, { workload, environment }), MIN_DEFAULT_QUEUE);
  assertInteger(action, "maxQueue", maxQueue, { min: 1 });
  const idleTimeoutMs = options.idleTimeoutMs ?? 5000;
  assertInteger(action, "idleTimeoutMs", idleTimeoutMs, { min: 0 });
  assertTimerMs(action, "idleTimeoutMs", idleTimeoutMs);
  const maxTasksPerWorker = options.maxTasksPerWorker ?? 0;
  assertInteger(action, "maxTasksPerWorker", maxTasksPerWorker, { min: 0 });
  const cancelGraceMs = options.cancelGraceMs ?? 500;
  assertInteger(action, "cancelGraceMs", cancelGraceMs, { min: 0 });
  assertTimerMs(action, "cancelGraceMs", cancelGraceMs);
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  assertInteger(action, "startTimeoutMs", startTimeoutMs, { min: 1 });
  assertTimerMs(action, "startTimeoutMs", startTimeoutMs);
  const maxStartFailures = options.maxStartFailures ?? 3;
  assertInteger(action, "maxStartFailures", maxStartFailures, { min: 1 });

  const autotuneDefault = options.maxWorkers === undefined && options.concurrency === undefined;
  const at = options.autotune ?? autotuneDefault;
  if (typeof at !== "boolean" && (typeof at !== "object" || at === null)) {
    throw new TypeError(
      `Cannot ${action} as 'autotune' must be a boolean or controller options: current value is ${
        String(at)
      }`,
    );
  }
  // Checked here too, so that an inline pool (which has no controller) refuses them as well.
  if (typeof at === "object") assertKnownOptions(action, at, CONTROLLER_OPTION_NAMES, "autotune.");
  const autotune = at === false ? false : at === true ? {} : at;
  const lanes = options.lanes ?? {};
  if (typeof lanes !== "object" || lanes === null) {
    throw new TypeError(
      `Cannot ${action} as 'lanes' must be an object of task name to lane: current value is ${
        String(lanes)
      }`,
    );
  }
  for (const [name, lane] of Object.entries(lanes)) {
    assertOneOf(action, `lanes.${name}`, lane, ["worker", "async"] as const);
  }

  const isolation = options.isolation ?? "thread";
  assertOneOf(action, "isolation", isolation, ["thread", "process"] as const);
  if (options.process !== undefined && isolation !== "process") {
    throw new TypeError(
      `Cannot ${action} as 'process' options apply only with isolation: "process": current ` +
        `isolation is "${isolation}"`,
    );
  }
  const process = resolveProcessOptions(options.process);

  return {
    workload,
    environment,
    cores,
    minWorkers,
    maxWorkers,
    maxQueue,
    onFull,
    idleTimeoutMs,
    concurrency,
    mode,
    maxTasksPerWorker,
    cancelGraceMs,
    startTimeoutMs,
    maxStartFailures,
    autotune,
    lanes,
    isolation,
    process,
    sizeReason,
  };
}

/**
 * The controller options an autotuned pool runs with: its worker bounds and lane pins, and twice
 * the policy's own `maxConcurrency` (measured on Bun, 2 workers × 1,024 timers in flight ran 87k
 * tasks/s against 47k at 2 × 512; the climb keeps it only where it pays). The user's
 * `autotune` options win.
 *
 * @example
 * ```ts
 * import { poolControllerOptions, resolvePoolOptions } from "./pool_options.ts";
 * const o = poolControllerOptions(resolvePoolOptions({ minWorkers: 0 }));
 * console.log(o.minWorkers, o.maxConcurrency); // 1 1024
 * ```
 */
export function poolControllerOptions(options: ResolvedPoolOptions): ControllerOptions {
  return {
    minWorkers: Math.max(1, options.minWorkers),
    maxWorkers: options.maxWorkers,
    maxConcurrency: 1024,
    pinnedLanes: options.lanes,
    ...(options.autotune || {}),
  };
}
