/**
 * Sizing from measurements (the seed's sizing guide), for when a workload has been observed:
 *
 * - {@linkcode workersForWaitRatio}: how many *workers* for work that both computes and waits,
 *   `cores × (1 + W/C)`. For pure CPU work W/C ≈ 0 and the answer is the core count.
 * - {@linkcode concurrencyForThroughput}: how many tasks *in flight* for I/O work, by Little's law
 *   L = λW. In JavaScript waiting costs no thread, so I/O needs a bound on pending promises
 *   (`concurrencyPerWorker`), not more workers.
 *
 * @module
 */
import { assertInteger, assertNumber } from "../validate.ts";

/** Bounds shared by both functions. */
export interface SizeBounds {
  /** Smallest result (positive integer). @default {1} */
  min?: number;
  /** Largest result (integer ≥ `min`, or `Infinity`). @default {Infinity} */
  max?: number;
}

function assertPositive(action: string, name: string, value: unknown): asserts value is number {
  assertNumber(action, name, value, { min: 0 });
  if (value === 0) {
    throw new RangeError(
      `Cannot ${action} as '${name}' must be a positive number: current value is 0`,
    );
  }
}

function clampToBounds(
  action: string,
  value: number,
  { min = 1, max = Infinity }: SizeBounds,
): number {
  assertInteger(action, "min", min, { min: 1 });
  if (max !== Infinity) assertInteger(action, "max", max, { min });
  return Math.min(max, Math.max(min, value));
}

/** Options for {@linkcode workersForWaitRatio}. */
export interface WaitRatioOptions extends SizeBounds {
  /** Effective cores (may be fractional under a cgroup quota). */
  cores: number;
  /** Mean time a task waits (wall time − CPU time), in milliseconds. */
  waitMs: number;
  /** Mean CPU time of a task, in milliseconds; must be positive. */
  computeMs: number;
}

/**
 * Workers for work that computes and waits: `round(cores × (1 + waitMs / computeMs))`, clamped
 * to `[min, max]`. Rounded rather than truncated so a tiny measured wait does not cost or add a
 * worker. Use it to size the worker lane; for waiting-only work (CPU time ≈ 0) size in-flight
 * concurrency with {@linkcode concurrencyForThroughput} instead.
 *
 * @example
 * ```ts
 * import { workersForWaitRatio } from "./littles_law.ts";
 * console.log(workersForWaitRatio({ cores: 8, waitMs: 0, computeMs: 20 })); // 8
 * console.log(workersForWaitRatio({ cores: 4, waitMs: 30, computeMs: 10 })); // 16
 * ```
 */
export function workersForWaitRatio(options: WaitRatioOptions): number {
  const action = "size workers from the wait ratio";
  const { cores, waitMs, computeMs } = options;
  assertPositive(action, "cores", cores);
  assertNumber(action, "waitMs", waitMs, { min: 0 });
  assertPositive(action, "computeMs", computeMs);
  return clampToBounds(action, Math.round(cores * (1 + waitMs / computeMs)), options);
}

/** Options for {@linkcode concurrencyForThroughput}. */
export interface ThroughputOptions extends SizeBounds {
  /** Target completions per second (λ). */
  throughputPerSec: number;
  /** Mean time one task is in flight, in milliseconds (W). */
  latencyMs: number;
}

/**
 * In-flight tasks needed to sustain a throughput at a latency, by Little's law L = λW:
 * `ceil(throughputPerSec × latencyMs / 1000)`, clamped to `[min, max]`. Rounded up because
 * fewer in flight cannot reach the target.
 *
 * @example
 * ```ts
 * import { concurrencyForThroughput } from "./littles_law.ts";
 * // 500 requests/s at 80 ms each keeps 40 in flight.
 * console.log(concurrencyForThroughput({ throughputPerSec: 500, latencyMs: 80 })); // 40
 * ```
 */
export function concurrencyForThroughput(options: ThroughputOptions): number {
  const action = "size concurrency from throughput";
  const { throughputPerSec, latencyMs } = options;
  assertNumber(action, "throughputPerSec", throughputPerSec, { min: 0 });
  assertNumber(action, "latencyMs", latencyMs, { min: 0 });
  // The epsilon keeps float noise (e.g. 0.1 × 30 = 3.0000000000000004) from adding a slot.
  return clampToBounds(action, Math.ceil((throughputPerSec * latencyMs) / 1000 - 1e-9), options);
}

/**
 * The wait/compute ratio W/C of a task: the time it spends waiting over the time it computes,
 * the one definition the sizing rules, the lane router and the metrics share. Compute below a
 * microsecond counts as a microsecond (the clock cannot tell less, and the task mostly waits);
 * negative waiting (two clocks disagreeing) counts as none.
 *
 * @example
 * ```ts
 * import { waitComputeRatio } from "./littles_law.ts";
 * console.log(waitComputeRatio(20, 10), waitComputeRatio(20, 0.5), waitComputeRatio(-1, 10)); // 2 40 0
 * ```
 */
export function waitComputeRatio(waitMs: number, computeMs: number): number {
  return Math.max(0, waitMs) / Math.max(computeMs, MIN_COMPUTE_MS);
}

/** The least compute time the clocks can tell, in milliseconds. */
const MIN_COMPUTE_MS = 0.001;

/**
 * Tasks in flight that keep `cores` busy with work of wait/compute ratio `wc`: Little's law for
 * mixed work, `ceil(cores × (1 + W/C))`, unclamped (the controller caps it itself).
 *
 * @example
 * ```ts
 * import { inFlightForWaitRatio } from "./littles_law.ts";
 * console.log(inFlightForWaitRatio(2, 595)); // 1192
 * ```
 */
export function inFlightForWaitRatio(cores: number, wc: number): number {
  return Math.ceil(cores * (1 + wc));
}
