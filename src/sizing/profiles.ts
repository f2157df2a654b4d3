/**
 * Workload profiles: the tuning table that says, per kind of work and per environment, when to
 * parallelise and how many workers to allow. Pure data; `sizing.ts` does the math over it.
 *
 * The seed (Kida) also had a `free_threading_multiplier` (×1.5 when Python's GIL is off). There is
 * no such multiplier here on purpose: a Web Worker is its own isolate on its own thread, so workers
 * are always truly parallel and there is nothing to switch on.
 *
 * @module
 */
import { ENVIRONMENT_NAMES, type EnvironmentName } from "../machine/environment.ts";
import { assertOneOf } from "../validate.ts";

/**
 * The kind of work a pool runs. `"cpu"` is pure computation (the seed's RENDER), `"compile"` is
 * computation that warms a per-worker cache (parsers, compilers, JIT-heavy code: each extra worker
 * pays the warm-up again, so fewer workers pay off), `"io"` is mostly waiting on the network or disk.
 */
export type Workload = "cpu" | "compile" | "io";

export type { EnvironmentName };

/**
 * Every workload, in table order.
 *
 * @example
 * ```ts
 * import { WORKLOADS } from "./profiles.ts";
 * console.log(WORKLOADS.join(", ")); // "cpu, compile, io"
 * ```
 */
export const WORKLOADS: readonly Workload[] = Object.freeze(["cpu", "compile", "io"] as const);

/**
 * Every environment, in table order.
 *
 * @example
 * ```ts
 * import { ENVIRONMENTS } from "./profiles.ts";
 * console.log(ENVIRONMENTS.includes("ci")); // true
 * ```
 */
export const ENVIRONMENTS: readonly EnvironmentName[] = ENVIRONMENT_NAMES;

/** The tuning parameters for one workload in one environment. */
export interface WorkloadProfile {
  /** Fewest tasks in a batch before it is worth leaving the calling thread. */
  readonly parallelThreshold: number;
  /** Floor for the worker count (kept warm by the pool). */
  readonly minWorkers: number;
  /** Ceiling for the worker count. */
  readonly maxWorkers: number;
  /** Fraction of the effective cores to use for a task of weight 1, in (0, 1]. */
  readonly cpuFraction: number;
  /** Tasks one worker runs at once: 1 for computation, K in-flight promises for I/O. */
  readonly concurrencyPerWorker: number;
  /**
   * Queued tasks allowed per running slot (worker × concurrencyPerWorker) before backpressure.
   * The seed's breaker at 2 × workers would reject an ordinary `Promise.all(items.map(run))`;
   * 256 per CPU slot lets batches of thousands queue while still bounding memory. I/O slots are
   * already many per worker, so 16 each gives a similar bound.
   */
  readonly queuePerWorker: number;
  /**
   * Least total work, in milliseconds, that is worth parallelising. The unit is what the whole
   * batch would take run one after another on one thread (for CPU work: its CPU time).
   */
  readonly minWorkEstimate: number;
}

// Why these numbers:
// - Worker caps follow the seed: CI is shared and small (2), a laptop also runs an editor and a
//   browser (4), a production host is ours (8). "compile" gets half of "cpu" because each worker
//   re-warms its cache; "io" needs few workers because concurrency comes from in-flight promises.
// - minWorkEstimate: a warm hand-off costs about 20–50 µs per task plus up to ~1 ms before every
//   worker is busy, so 100 tasks pay 2–5 ms of overhead. Below ~10 ms of total work the best-case
//   saving, work × (1 − 1/workers), is the same size as that overhead: run it inline.
//   "compile" doubles it (cache warm-up); "io" work mostly waits, so 2 ms already pays off.
// - CI doubles thresholds: with at most 2 workers the best case only halves the time.
// - A browser page runs on the user's device beside the browser's own threads and other tabs,
//   like a developer's machine: the local figures.
function profile(
  parallelThreshold: number,
  minWorkers: number,
  maxWorkers: number,
  cpuFraction: number,
  concurrencyPerWorker: number,
  queuePerWorker: number,
  minWorkEstimate: number,
): WorkloadProfile {
  return Object.freeze({
    parallelThreshold,
    minWorkers,
    maxWorkers,
    cpuFraction,
    concurrencyPerWorker,
    queuePerWorker,
    minWorkEstimate,
  });
}

const PROFILES: Readonly<Record<Workload, Readonly<Record<EnvironmentName, WorkloadProfile>>>> =
  Object.freeze({
    cpu: Object.freeze({
      ci: profile(20, 1, 2, 1, 1, 256, 20),
      local: profile(10, 1, 4, 1, 1, 256, 10),
      production: profile(10, 2, 8, 1, 1, 256, 10),
      browser: profile(10, 1, 4, 1, 1, 256, 10),
    }),
    compile: Object.freeze({
      ci: profile(40, 1, 1, 0.25, 1, 256, 40),
      local: profile(20, 1, 2, 0.25, 1, 256, 20),
      production: profile(20, 1, 4, 0.5, 1, 256, 20),
      browser: profile(20, 1, 2, 0.25, 1, 256, 20),
    }),
    io: Object.freeze({
      ci: profile(8, 1, 1, 0.25, 32, 16, 4),
      local: profile(4, 1, 2, 0.25, 64, 16, 2),
      production: profile(4, 1, 4, 0.25, 128, 16, 2),
      browser: profile(4, 1, 2, 0.25, 64, 16, 2),
    }),
  });

/**
 * Returns the frozen profile for a workload in an environment.
 *
 * @param workload The kind of work.
 * @param environment Where the process runs. @default {"local"}
 * @example
 * ```ts
 * import { getProfile } from "./profiles.ts";
 * const p = getProfile("cpu", "local");
 * console.log(p.parallelThreshold, p.maxWorkers); // 10 4
 * ```
 */
export function getProfile(
  workload: Workload,
  environment: EnvironmentName = "local",
): WorkloadProfile {
  assertOneOf("get profile", "workload", workload, WORKLOADS);
  assertOneOf("get profile", "environment", environment, ENVIRONMENTS);
  return PROFILES[workload][environment];
}
