/**
 * The threshold rules of the Multithread seed: grow on queue depth and busy ratio, shrink after
 * several idle intervals, with soft/hard limits, a CPU guard and a cooldown. A pure step function:
 * state in, state out, one optional decision.
 *
 * @module
 */
import type { Decision } from "./decision.ts";
import { POLICY_PRESETS, type ResolvedControllerOptions } from "./controller_options.ts";

/** What the threshold rules remember between intervals. */
export interface ScalingState {
  /** Consecutive intervals with an empty queue and a busy ratio below the scale-down threshold. */
  readonly idleStreak: number;
  /** Consecutive intervals in which the queue grew. */
  readonly growStreak: number;
  /** Queue depth at the previous interval. */
  readonly lastQueue: number;
  /** When the rules last resized the pool (ms), for the cooldown. */
  readonly lastResizeAt: number;
}

/**
 * The state before the first interval.
 *
 * @example
 * ```ts
 * import { INITIAL_SCALING } from "./scaling_policy.ts";
 * console.log(INITIAL_SCALING.idleStreak); // 0
 * ```
 */
export const INITIAL_SCALING: ScalingState = Object.freeze({
  idleStreak: 0,
  growStreak: 0,
  lastQueue: 0,
  lastResizeAt: -Infinity,
});

/** One interval's view of the pool, as the threshold rules need it. */
export interface ScalingInput {
  /** Injected clock, ms. */
  now: number;
  /** Worker count the controller currently asks for. */
  workers: number;
  /** Workers alive now (may lag `workers`). */
  liveWorkers: number;
  /** Workers with at least one task in flight. */
  busyWorkers: number;
  /** Tasks waiting. */
  queueDepth: number;
  /** Machine CPU 0..1, undefined when unknown. */
  cpuUtilization?: number;
  /** Preferred ceiling for the current load (the controller lowers it for CPU-bound work). */
  softLimit: number;
  /** Absolute ceiling for the current load; a pool above it shrinks at once. */
  hardLimit: number;
  /** Why the ceiling is what it is, for the reason of a shrink to it. @default {"hard limit"} */
  limitReason?: string;
}

/** The rules' answer for one interval. */
export interface ScalingResult {
  readonly state: ScalingState;
  /** Worker count to ask for (unchanged on hold). */
  readonly workers: number;
  /** Present when the rules resized. */
  readonly decision?: Decision;
  /** Why, also for holds (not recorded, handy in tests and logs). */
  readonly reason: string;
}

/**
 * Formats a 0..1 ratio as a whole percentage.
 *
 * @example
 * ```ts
 * import { percent } from "./scaling_policy.ts";
 * console.log(percent(0.613)); // "61%"
 * ```
 */
export function percent(ratio: number | undefined): string {
  return ratio === undefined ? "unknown" : `${Math.round(ratio * 100)}%`;
}

/**
 * Applies the threshold rules to one interval.
 *
 * @example
 * ```ts
 * import { INITIAL_SCALING, scalingStep } from "./scaling_policy.ts";
 * import { resolveControllerOptions } from "./controller_options.ts";
 * const o = resolveControllerOptions(4);
 * const r = scalingStep(INITIAL_SCALING, {
 *   now: 0, workers: 2, liveWorkers: 2, busyWorkers: 2, queueDepth: 14,
 *   cpuUtilization: 0.61, softLimit: 4, hardLimit: 8,
 * }, o);
 * console.log(r.decision?.reason); // "scale up 2→3: queue 14 > 1.5×2, busy 100%, cpu 61% ≤ 80%"
 * ```
 */
export function scalingStep(
  state: ScalingState,
  input: ScalingInput,
  options: ResolvedControllerOptions,
): ScalingResult {
  const { now, workers, liveWorkers, busyWorkers, queueDepth: queue, cpuUtilization: cpu } = input;
  const preset = POLICY_PRESETS[options.policy];
  // With no live worker, waiting work means the pool is saturated by definition.
  const busy = liveWorkers > 0 ? busyWorkers / liveWorkers : queue > 0 ? 1 : 0;
  const growStreak = queue > 0 && queue > state.lastQueue ? state.growStreak + 1 : 0;
  const idleStreak = queue === 0 && busy < options.scaleDownThreshold ? state.idleStreak + 1 : 0;
  const next = { idleStreak, growStreak, lastQueue: queue, lastResizeAt: state.lastResizeAt };
  const hold = (reason: string): ScalingResult => ({
    state: next,
    workers,
    reason: `hold: ${reason}`,
  });
  const cooling = now - state.lastResizeAt < options.cooldownMs;

  if (workers > input.hardLimit) {
    const to = input.hardLimit;
    const reason = `scale down ${workers}→${to}: ${input.limitReason ?? "hard limit"} is ${to}`;
    return {
      state: { ...next, lastResizeAt: now },
      workers: to,
      decision: { at: now, kind: "scale-down", from: workers, to, reason },
      reason,
    };
  }
  if (queue > options.queueFactor * workers && busy >= options.scaleUpThreshold) {
    const soft = Math.min(input.softLimit, input.hardLimit);
    const pastSoft = growStreak >= preset.growIntervals;
    const ceiling = pastSoft ? input.hardLimit : soft;
    if (workers >= ceiling) return hold(`at ${pastSoft ? "hard" : "soft"} limit ${ceiling}`);
    if (cpu !== undefined && cpu > options.cpuThreshold) {
      return hold(`cpu ${percent(cpu)} > ${percent(options.cpuThreshold)}`);
    }
    if (cooling) return hold(`cooldown ${options.cooldownMs} ms`);
    const to = Math.min(ceiling, workers + Math.max(1, Math.ceil(workers * preset.growth)));
    const cpuText = cpu === undefined
      ? "cpu unknown"
      : `cpu ${percent(cpu)} ≤ ${percent(options.cpuThreshold)}`;
    const reason =
      `scale up ${workers}→${to}: queue ${queue} > ${options.queueFactor}×${workers}, ` +
      `busy ${percent(busy)}, ${cpuText}` +
      (pastSoft ? `, queue grew ${growStreak} intervals: past soft limit ${soft}` : "");
    return {
      state: { ...next, lastResizeAt: now },
      workers: to,
      decision: { at: now, kind: "scale-up", from: workers, to, reason },
      reason,
    };
  }

  if (idleStreak >= preset.idleIntervals && workers > options.minWorkers) {
    if (cooling) return hold(`cooldown ${options.cooldownMs} ms`);
    // Never shrink so far that the workers still busy would cross the scale-up threshold: that
    // would flap straight back up on the next interval.
    const needed = Math.ceil(busyWorkers / options.scaleUpThreshold);
    const to = Math.max(options.minWorkers, needed, workers - preset.downStep);
    if (to >= workers) return hold(`${busyWorkers} busy workers need ${needed}`);
    const reason = `scale down ${workers}→${to}: idle ${idleStreak} intervals ` +
      `(busy ${percent(busy)} < ${percent(options.scaleDownThreshold)}, queue empty)`;
    return {
      state: { ...next, idleStreak: 0, lastResizeAt: now },
      workers: to,
      decision: { at: now, kind: "scale-down", from: workers, to, reason },
      reason,
    };
  }
  return hold(`busy ${percent(busy)}, queue ${queue}`);
}
