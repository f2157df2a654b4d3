/**
 * Chooses the next hill-climbing move when the threshold rules hold: for wait-heavy (async)
 * load, raise per-worker concurrency, jumping first to the Little's-law estimate
 * `cores × (1 + W/C)` and doubling after that; otherwise (or once concurrency is capped or backing
 * off) try one more worker. CPU-bound load with unknown machine CPU only explores past the cores
 * once in a long while.
 *
 * @module
 */
import type { PoolSample } from "./pool_sample.ts";
import type { Decision } from "./decision.ts";
import type { ResolvedControllerOptions } from "./controller_options.ts";
import { type ClimbState, EVIDENCE_RUNS, meanRunMs, ratePerSec, startProbe } from "./hill_climb.ts";
import type { LoadProfile } from "./lane_router.ts";
import { percent } from "./scaling_policy.ts";
import { inFlightForWaitRatio } from "../sizing/littles_law.ts";

/** What the planner needs to know about this interval. */
export interface ProbeContext {
  sample: PoolSample;
  load: LoadProfile;
  /** Current worker target. */
  workers: number;
  /** Current per-worker concurrency target. */
  concurrency: number;
  /** Completions and time at the current shape. */
  steady: { completed: number; ms: number };
  workerClimb: ClimbState;
  concurrencyClimb: ClimbState;
  /** When the load kind last changed (ms). */
  loadSince: number;
  /** Whether the load is pure compute (W/C ≈ 0). */
  cpuBound: boolean;
  /** Whole effective cores. */
  cores: number;
}

/** A move to start. */
export interface ProbePlan {
  readonly decision: Decision;
  readonly workers: number;
  readonly concurrency: number;
  readonly workerClimb: ClimbState;
  readonly concurrencyClimb: ClimbState;
}

/**
 * Proposes one probe, or `undefined` when none is worth trying now.
 *
 * @example
 * ```ts
 * import { proposeProbe } from "./probe_planner.ts";
 * import { INITIAL_CLIMB } from "./hill_climb.ts";
 * import { resolveControllerOptions } from "./controller_options.ts";
 * const sample = { now: 500, workers: 2, busyWorkers: 2, concurrency: 1, inFlight: 2,
 *   queueDepth: 900, completed: 50, busyMs: 1, cores: 2, tasks: {} };
 * const plan = proposeProbe({ sample, load: { kind: "io", wc: 1000 }, workers: 2, concurrency: 1,
 *   steady: { completed: 25, ms: 250 }, workerClimb: INITIAL_CLIMB, concurrencyClimb: INITIAL_CLIMB,
 *   loadSince: 0, cpuBound: false, cores: 2 }, resolveControllerOptions(2));
 * console.log(plan?.concurrency); // 512
 * ```
 */
export function proposeProbe(
  context: ProbeContext,
  options: ResolvedControllerOptions,
): ProbePlan | undefined {
  const { sample, load, workers, concurrency, steady, workerClimb, concurrencyClimb } = context;
  const { now, queueDepth, cpuUtilization: cpu } = sample;
  // Without waiting work a bigger shape has nothing to gain.
  if (queueDepth === 0) return undefined;
  // A window too short for the tasks to finish in measures nothing (two 300 ms tasks ending in a
  // 50 ms interval read 40/s, none read 0/s): take the saturated shape's rate from Little's law,
  // tasks in flight over their run time, instead.
  const runMs = meanRunMs(sample.tasks);
  const spans = steady.completed > 0 && steady.ms >= EVIDENCE_RUNS * runMs;
  const measured = runMs === 0 || spans;
  // Without a baseline there is nothing to compare a bigger shape with: half an interval of it.
  // Waiting work may jump to Little's law on less, a window of completions spanning twice the
  // tasks' run time (the tuner's early looks after it wakes): it has measured the rate once.
  const short = steady.ms < options.monitorIntervalMs / 2;
  if (short && !(load.kind === "io" && runMs > 0 && spans)) return undefined;
  const baselineRate = measured
    ? ratePerSec(steady.completed, steady.ms)
    : ratePerSec(sample.inFlight, runMs);

  if (
    load.kind === "io" && concurrency < options.maxConcurrency &&
    now >= concurrencyClimb.nextProbeAt
  ) {
    const littles = inFlightForWaitRatio(context.cores, load.wc);
    const perWorker = Math.ceil(littles / Math.max(1, workers));
    // Jump straight to the estimate once; after a failed probe only double, as the estimate lied.
    const jump = concurrencyClimb.failures === 0 && perWorker > 2 * concurrency;
    const wanted = jump ? perWorker : 2 * concurrency;
    const to = Math.min(options.maxConcurrency, wanted);
    const why = jump
      ? `Little's law ${context.cores} cores × (1 + W/C ${
        Math.round(load.wc)
      }) = ${littles} in flight over ${workers} workers`
      : `doubling, queue ${queueDepth}`;
    const cap = to < wanted ? `, capped at maxConcurrency ${options.maxConcurrency}` : "";
    return {
      decision: {
        at: now,
        kind: "probe",
        from: concurrency,
        to,
        reason: `probe concurrency ${concurrency}→${to}: ${why}${cap}`,
      },
      workers,
      concurrency: to,
      workerClimb,
      concurrencyClimb: startProbe(concurrencyClimb, { from: concurrency, to, baselineRate, now }),
    };
  }

  // One more worker is judged on a full baseline.
  if (short) return undefined;
  const busy = sample.workers > 0 ? sample.busyWorkers / sample.workers : 1;
  if (
    workers >= options.hardLimit || busy < options.scaleUpThreshold || now < workerClimb.nextProbeAt
  ) {
    return undefined;
  }
  if (cpu !== undefined && cpu > options.cpuThreshold) return undefined;
  let why = `queue ${queueDepth}, busy ${percent(busy)}, cpu ${percent(cpu)}`;
  if (cpu === undefined && context.cpuBound) {
    // W/C ≈ 0 says the cores are the answer; test that only rarely, backing off further each time.
    const wait = options.exploreIntervals * options.monitorIntervalMs *
      2 ** Math.min(workerClimb.failures, 4);
    if (now < context.loadSince + wait) return undefined;
    why = `CPU-bound load with cpu unknown: exploring past ${workers} workers`;
  }
  const to = workers + 1;
  return {
    decision: {
      at: now,
      kind: "probe",
      from: workers,
      to,
      reason: `probe workers ${workers}→${to}: ${why}`,
    },
    workers: to,
    concurrency,
    workerClimb: startProbe(workerClimb, { from: workers, to, baselineRate, now }),
    concurrencyClimb,
  };
}
