/**
 * Throughput search in the manner of the .NET thread pool's hill climbing: move one knob
 * (workers or per-worker concurrency), measure completions per second once the move is applied,
 * keep the move when throughput rose by more than the noise, otherwise revert and wait longer
 * before the next probe (exponential back-off).
 *
 * @module
 */

/**
 * A move under test: knob value `from` → `to`, the completions per second before it
 * (`baselineRate`), when it was asked for (`startedAt`, ms), the completions and time measured
 * since it was applied, and the intervals spent so far (applied or not).
 */
export interface Probe {
  readonly from: number;
  readonly to: number;
  readonly baselineRate: number;
  readonly startedAt: number;
  readonly completed: number;
  readonly ms: number;
  readonly intervals: number;
}

/** One knob's search state: the move under test, reverts in a row, no probe before `nextProbeAt`. */
export interface ClimbState {
  readonly probe?: Probe;
  readonly failures: number;
  readonly nextProbeAt: number;
}

/**
 * A knob that has never probed.
 *
 * @example
 * ```ts
 * import { INITIAL_CLIMB } from "./hill_climb.ts";
 * console.log(INITIAL_CLIMB.failures); // 0
 * ```
 */
export const INITIAL_CLIMB: ClimbState = Object.freeze({ failures: 0, nextProbeAt: 0 });

/** How a probe is judged. */
export interface ClimbOptions {
  /** Relative gain a probe must show. */
  noiseMargin: number;
  /** Back-off after the first revert (ms), doubled per further revert. */
  backoffMs: number;
  /** Longest back-off (ms). */
  maxBackoffMs: number;
  /** Intervals a probe may take (waiting to be applied, or gathering evidence). @default {4} */
  maxIntervals?: number;
}

/** The verdict on a probe after one more interval. */
export interface ProbeResult {
  readonly climb: ClimbState;
  readonly verdict: "measuring" | "keep" | "revert";
  /** The probe as measured so far. */
  readonly probe: Probe;
  /** Human-readable evidence. */
  readonly reason: string;
}

/**
 * How many mean run times a window must span before its completions say anything about a shape:
 * tasks started together finish about one run time later, so a shorter window (or one with no
 * completion at all) reads as zero throughput whatever the shape is worth.
 */
export const EVIDENCE_RUNS = 2;

/**
 * The tasks' mean run time (wait + compute) in ms, weighted by each name's count; 0 when none ran.
 *
 * @example
 * ```ts
 * import { meanRunMs } from "./hill_climb.ts";
 * console.log(meanRunMs({ hash: { count: 3, waitMs: 290, computeMs: 10 } })); // 300
 * ```
 */
export function meanRunMs(
  tasks: Readonly<Record<string, { count: number; waitMs: number; computeMs: number }>>,
): number {
  let count = 0;
  let ms = 0;
  for (const t of Object.values(tasks)) {
    count += t.count;
    ms += t.count * (t.waitMs + t.computeMs);
  }
  return count > 0 ? ms / count : 0;
}

/**
 * Completions per second over `ms` milliseconds (0 for an empty window).
 *
 * @example
 * ```ts
 * import { ratePerSec } from "./hill_climb.ts";
 * console.log(ratePerSec(50, 250)); // 200
 * ```
 */
export function ratePerSec(completed: number, ms: number): number {
  return ms > 0 ? (completed * 1000) / ms : 0;
}

/**
 * Whether `completed` tasks in `ms` beat `baselineRate` by more than both the noise margin and
 * two standard deviations of a Poisson count (a handful of completions proves nothing).
 *
 * @example
 * ```ts
 * import { isSignificantGain } from "./hill_climb.ts";
 * console.log(isSignificantGain(40, 11, 250, 0.05)); // false: 11 vs 10 expected is noise
 * console.log(isSignificantGain(100, 12800, 250, 0.05)); // true
 * ```
 */
export function isSignificantGain(
  baselineRate: number,
  completed: number,
  ms: number,
  noiseMargin: number,
): boolean {
  const expected = (baselineRate * ms) / 1000;
  return completed - expected >
    Math.max(noiseMargin * expected, 2 * Math.sqrt(Math.max(1, expected)));
}

/**
 * Starts testing a move.
 *
 * @example
 * ```ts
 * import { INITIAL_CLIMB, startProbe } from "./hill_climb.ts";
 * const c = startProbe(INITIAL_CLIMB, { from: 2, to: 3, baselineRate: 40, now: 1000 });
 * console.log(c.probe?.to); // 3
 * ```
 */
export function startProbe(
  climb: ClimbState,
  move: { from: number; to: number; baselineRate: number; now: number },
): ClimbState {
  const { from, to, baselineRate, now } = move;
  return {
    ...climb,
    probe: { from, to, baselineRate, startedAt: now, completed: 0, ms: 0, intervals: 0 },
  };
}

function show(rate: number): string {
  return `${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/s`;
}

/**
 * Adds one interval to the probe under test and judges it. Only intervals that end with the move
 * applied count as evidence, and only once they hold a completion and span `EVIDENCE_RUNS` × the
 * tasks' mean run time (`runMs`): until then the probe is extended, however many intervals that
 * takes. A probe that is not applied within `maxIntervals`, or stays inconclusive after it, is
 * reverted.
 *
 * @example
 * ```ts
 * import { INITIAL_CLIMB, measureProbe, startProbe } from "./hill_climb.ts";
 * const c = startProbe(INITIAL_CLIMB, { from: 1, to: 8, baselineRate: 100, now: 0 });
 * const r = measureProbe(c, { now: 250, applied: true, completed: 200, ms: 250 }, {
 *   noiseMargin: 0.05, backoffMs: 1000, maxBackoffMs: 16000,
 * });
 * console.log(r.verdict); // "keep"
 * ```
 */
export function measureProbe(
  climb: ClimbState,
  step: { now: number; applied: boolean; completed: number; ms: number; runMs?: number },
  options: ClimbOptions,
): ProbeResult {
  const current = climb.probe;
  if (current === undefined) throw new RangeError("Cannot measure a probe as none is under test");
  const { maxIntervals = 4 } = options;
  const probe: Probe = step.applied
    ? {
      ...current,
      completed: current.completed + step.completed,
      ms: current.ms + step.ms,
      intervals: current.intervals + 1,
    }
    : { ...current, intervals: current.intervals + 1 };
  const rate = ratePerSec(probe.completed, probe.ms);
  const evidence = `throughput ${show(rate)} vs ${show(probe.baselineRate)}`;
  const revert = (why: string): ProbeResult => ({
    climb: {
      failures: climb.failures + 1,
      nextProbeAt: step.now +
        Math.min(options.maxBackoffMs, options.backoffMs * 2 ** climb.failures),
    },
    verdict: "revert",
    probe,
    reason: why,
  });
  const measuring = (why: string): ProbeResult => ({
    climb: { ...climb, probe },
    verdict: "measuring",
    probe,
    reason: why,
  });
  if (probe.ms === 0) {
    if (probe.intervals >= maxIntervals) {
      return revert(`not applied after ${probe.intervals} intervals`);
    }
    return measuring("waiting for the move");
  }
  const { runMs = 0 } = step;
  if (probe.completed === 0 || probe.ms < EVIDENCE_RUNS * runMs) {
    return measuring(
      `window of ${Math.round(probe.ms)} ms with ${probe.completed} done: too short for tasks of ${
        Math.round(runMs)
      } ms`,
    );
  }
  if (isSignificantGain(probe.baselineRate, probe.completed, probe.ms, options.noiseMargin)) {
    return {
      climb: { failures: 0, nextProbeAt: step.now },
      verdict: "keep",
      probe,
      reason: evidence,
    };
  }
  // A small positive difference may be noise either way: gather another interval of evidence.
  if (rate > probe.baselineRate && probe.intervals < maxIntervals) {
    return measuring(evidence);
  }
  const gain = probe.baselineRate > 0 ? rate / probe.baselineRate - 1 : 0;
  return revert(
    `${evidence} (${gain >= 0 ? "+" : ""}${Math.round(gain * 100)}%, no gain beyond noise)`,
  );
}
