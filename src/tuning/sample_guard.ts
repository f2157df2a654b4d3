/**
 * Guards at the controller's door: reject a malformed sample with a message naming the field,
 * and bring a target back inside the configured bounds (recording why).
 *
 * @module
 */
import type { PoolSample } from "./pool_sample.ts";
import type { ResolvedControllerOptions } from "./controller_options.ts";
import type { ControllerTarget, Decision } from "./decision.ts";
import { assertInteger, assertNumber } from "../validate.ts";

const COUNTS = ["workers", "busyWorkers", "concurrency", "inFlight", "queueDepth", "completed"];

/**
 * Throws a `RangeError` naming the first field of `sample` that is not a valid measurement.
 *
 * @example
 * ```ts
 * import { checkSample } from "./sample_guard.ts";
 * checkSample({ now: 0, workers: 2, busyWorkers: 1, concurrency: 1, inFlight: 1, queueDepth: 0,
 *   completed: 0, busyMs: 0, cores: 2, tasks: {} });
 * ```
 */
export function checkSample(sample: PoolSample): void {
  assertNumber("decide", "sample.now", sample.now);
  assertNumber("decide", "sample.cores", sample.cores, { min: 0 });
  for (const key of COUNTS as (keyof PoolSample)[]) {
    assertInteger("decide", `sample.${key}`, sample[key]);
  }
  if (sample.cpuUtilization !== undefined) {
    assertNumber("decide", "sample.cpuUtilization", sample.cpuUtilization, { min: 0, max: 1 });
  }
}

/**
 * Clamps workers to `[minWorkers, hardLimit]` and concurrency to
 * `[minConcurrency, maxConcurrency]`, with one decision per knob that moved.
 *
 * @example
 * ```ts
 * import { clampTarget } from "./sample_guard.ts";
 * import { resolveControllerOptions } from "./controller_options.ts";
 * const r = clampTarget({ workers: 9, concurrency: 0 }, resolveControllerOptions(2), 0);
 * console.log(r.target); // { workers: 4, concurrency: 1 }
 * ```
 */
export function clampTarget(
  target: ControllerTarget,
  options: ResolvedControllerOptions,
  at: number,
): { target: ControllerTarget; decisions: Decision[] } {
  const decisions: Decision[] = [];
  const clamp = (knob: string, value: number, low: number, high: number): number => {
    const to = Math.min(high, Math.max(low, value));
    if (to !== value) {
      const up = to > value;
      const why = up ? `below minimum ${low}` : `above maximum ${high}`;
      const reason = `scale ${up ? "up" : "down"} ${knob} ${value}→${to}: ${why}`;
      decisions.push({ at, kind: up ? "scale-up" : "scale-down", from: value, to, reason });
    }
    return to;
  };
  const { minWorkers, hardLimit, minConcurrency, maxConcurrency } = options;
  return {
    target: {
      workers: clamp("workers", target.workers, minWorkers, hardLimit),
      concurrency: clamp("concurrency", target.concurrency, minConcurrency, maxConcurrency),
    },
    decisions,
  };
}
