/**
 * Sizing from the workload profile: whether a batch is worth parallelising, how many workers to
 * use, and how long the backpressure queue may grow. Pure functions over the profile table.
 *
 * No free-threading multiplier (the seed's ×1.5 without the GIL): Web Workers are always truly
 * parallel, so the core count already is the parallelism on offer.
 *
 * @module
 */
import {
  type EnvironmentName,
  ENVIRONMENTS,
  getProfile,
  type Workload,
  WORKLOADS,
} from "./profiles.ts";
import { assertInteger, assertNumber, assertOneOf } from "../validate.ts";
import { clampWeight } from "./weights.ts";

/** Options for {@linkcode shouldParallelize}. */
export interface ShouldParallelizeOptions {
  /**
   * Estimated total work of the batch in milliseconds (what it would take run one after another
   * on one thread); when given, it decides alone. Unknown when omitted: only the task count
   * decides. @default {undefined}
   */
  workEstimateMs?: number;
  /** The kind of work. @default {"cpu"} */
  workload?: Workload;
  /** Where the process runs; the pool passes the detected one. @default {"local"} */
  environment?: EnvironmentName;
}

/**
 * Says whether a batch is worth sending to workers rather than running on the calling thread.
 * When its work is estimated, the work alone decides: at least the profile's `minWorkEstimate`
 * milliseconds in all (below that, hand-off overhead eats the gain; above it, even a few tasks
 * would block the calling thread for that long). Without an estimate, the seed's rule: at least
 * `parallelThreshold` tasks. An empty batch never is.
 *
 * @example
 * ```ts
 * import { shouldParallelize } from "./sizing.ts";
 * console.log(shouldParallelize(5), shouldParallelize(100)); // false true
 * console.log(shouldParallelize(100, { workEstimateMs: 0.5 })); // false
 * console.log(shouldParallelize(4, { workEstimateMs: 400 })); // true
 * ```
 */
export function shouldParallelize(
  taskCount: number,
  { workEstimateMs, workload = "cpu", environment = "local" }: ShouldParallelizeOptions = {},
): boolean {
  const action = "decide on parallelism";
  assertInteger(action, "taskCount", taskCount);
  if (workEstimateMs !== undefined) {
    assertNumber(action, "workEstimateMs", workEstimateMs, { min: 0 });
  }
  assertOneOf(action, "workload", workload, WORKLOADS);
  assertOneOf(action, "environment", environment, ENVIRONMENTS);
  const profile = getProfile(workload, environment);
  if (taskCount === 0) return false;
  if (workEstimateMs !== undefined) return workEstimateMs >= profile.minWorkEstimate;
  return taskCount >= profile.parallelThreshold;
}

/** Options for {@linkcode optimalWorkers} and {@linkcode planWorkers}. */
export interface OptimalWorkersOptions {
  /** The kind of work. @default {"cpu"} */
  workload?: Workload;
  /** Weight of a typical task in the batch (1 = average), clamped to [0.1, 5]. @default {1} */
  taskWeight?: number;
  /** Fixed worker count (positive integer); wins over everything else. @default {undefined} */
  override?: number;
  /**
   * Effective cores (may be fractional under a cgroup quota). Pass the detected effective cores;
   * the default is only the hardware count. @default {globalThis.navigator?.hardwareConcurrency ?? 1}
   */
  cores?: number;
  /** Where the process runs; the pool passes the detected one. @default {"local"} */
  environment?: EnvironmentName;
}

/** What bounded the worker count chosen by {@linkcode planWorkers}. */
export type WorkersLimitedBy = "override" | "cores" | "minWorkers" | "maxWorkers" | "taskCount";

/** A worker count and the rule that decided it, so a user can see why the pool has its size. */
export interface WorkerPlan {
  /** The number of workers to run. */
  workers: number;
  /** The rule that set it. */
  limitedBy: WorkersLimitedBy;
}

/**
 * Like {@linkcode optimalWorkers}, and also says which rule decided the count.
 *
 * @example
 * ```ts
 * import { planWorkers } from "./sizing.ts";
 * console.log(planWorkers(100, { cores: 16 })); // { workers: 4, limitedBy: "maxWorkers" }
 * ```
 */
export function planWorkers(taskCount: number, options: OptimalWorkersOptions = {}): WorkerPlan {
  const action = "size workers";
  const {
    workload = "cpu",
    taskWeight = 1,
    override,
    cores = globalThis.navigator?.hardwareConcurrency ?? 1,
    environment = "local",
  } = options;
  if (taskCount !== Infinity) assertInteger(action, "taskCount", taskCount);
  assertNumber(action, "taskWeight", taskWeight, { min: 0 });
  assertNumber(action, "cores", cores, { min: 0 });
  if (cores === 0) {
    throw new RangeError(
      `Cannot ${action} as 'cores' must be a positive number: current value is 0`,
    );
  }
  if (override !== undefined) assertInteger(action, "override", override, { min: 1 });
  assertOneOf(action, "workload", workload, WORKLOADS);
  assertOneOf(action, "environment", environment, ENVIRONMENTS);
  const profile = getProfile(workload, environment);
  if (override !== undefined) return { workers: override, limitedBy: "override" };

  // Heavier tasks justify more of the machine, lighter ones less (hand-off overhead weighs more),
  // but never past the cores: oversubscribed CPU work only adds context switches.
  const fraction = Math.min(1, profile.cpuFraction * clampWeight(taskWeight));
  // The epsilon keeps float noise (10 × 0.3 = 3.0000000000000004) from adding a worker.
  const wanted = Math.max(1, Math.ceil(cores * fraction - 1e-9));
  let plan: WorkerPlan = { workers: wanted, limitedBy: "cores" };
  if (wanted > profile.maxWorkers) plan = { workers: profile.maxWorkers, limitedBy: "maxWorkers" };
  if (wanted < profile.minWorkers) plan = { workers: profile.minWorkers, limitedBy: "minWorkers" };
  // An empty batch means "no work known yet": keep the profile's warm floor.
  if (taskCount === 0) return { workers: profile.minWorkers, limitedBy: "minWorkers" };
  if (taskCount < plan.workers) plan = { workers: taskCount, limitedBy: "taskCount" };
  return plan;
}

/**
 * Chooses a worker count: `ceil(cores × min(1, cpuFraction × taskWeight))`, clamped to the
 * profile's `[minWorkers, maxWorkers]`, and never more workers than tasks. `override` wins.
 * `taskCount` 0 means no batch is known yet and gives `minWorkers`; `Infinity` means unbounded.
 *
 * @example
 * ```ts
 * import { optimalWorkers } from "./sizing.ts";
 * console.log(optimalWorkers(100, { cores: 16 })); // 4 (the local cap)
 * console.log(optimalWorkers(100, { cores: 16, workload: "compile" })); // 2
 * console.log(optimalWorkers(100, { override: 16 })); // 16
 * ```
 */
export function optimalWorkers(taskCount: number, options: OptimalWorkersOptions = {}): number {
  return planWorkers(taskCount, options).workers;
}

/** Options for {@linkcode queueBound}. */
export interface QueueBoundOptions {
  /** The kind of work. @default {"cpu"} */
  workload?: Workload;
  /** Where the process runs. @default {"local"} */
  environment?: EnvironmentName;
}

/**
 * The backpressure bound for the pool's queue: workers × concurrencyPerWorker × queuePerWorker.
 *
 * @example
 * ```ts
 * import { queueBound } from "./sizing.ts";
 * console.log(queueBound(4)); // 1024
 * ```
 */
export function queueBound(
  workers: number,
  { workload = "cpu", environment = "local" }: QueueBoundOptions = {},
): number {
  assertInteger("bound the queue", "workers", workers, { min: 1 });
  assertOneOf("bound the queue", "workload", workload, WORKLOADS);
  assertOneOf("bound the queue", "environment", environment, ENVIRONMENTS);
  const profile = getProfile(workload, environment);
  return workers * profile.concurrencyPerWorker * profile.queuePerWorker;
}
