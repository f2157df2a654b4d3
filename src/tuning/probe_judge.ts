/**
 * Ends or continues the probe under test each interval: keep it when throughput rose beyond the
 * noise, revert it when it did not (or was never applied), and drop it without penalty when the
 * load went away or changed kind, since the measurement then means nothing. A window too short
 * for the tasks to finish in is extended, not judged (see `measureProbe`); a concurrency probe is
 * never reverted without evidence to less room than the work in hand: not while the queue is empty
 * (the limit did not hold throughput back), and not when the load goes away (an unused limit costs
 * nothing, and the next batch of the same tasks would start narrow).
 *
 * @module
 */
import type { PoolSample } from "./pool_sample.ts";
import type { Decision } from "./decision.ts";
import type { ResolvedControllerOptions } from "./controller_options.ts";
import { type ClimbState, meanRunMs, measureProbe } from "./hill_climb.ts";

/** What {@linkcode judgeProbe} needs besides the climb under test. */
export interface JudgeContext {
  /** The knob the probe moves. */
  knob: "workers" | "concurrency";
  sample: PoolSample;
  /** Completions and time since the previous sample, if measurable. */
  interval?: { completed: number; ms: number };
  /** Whether the load kind changed in this interval (and to what). */
  loadChanged: boolean;
  loadKind: string;
}

/** The verdict, ready to apply. */
export interface Judgement {
  /** The knob's next climb state. */
  readonly climb: ClimbState;
  /** `hold` when kept, `revert` when undone; absent while measuring. */
  readonly decision?: Decision;
  /** The knob's value to restore, on revert. */
  readonly restore?: number;
  /** The probe's own measurement, on keep: the new baseline. */
  readonly evidence?: { completed: number; ms: number };
}

/**
 * Judges the probe under test in `climb` (which must hold one).
 *
 * @example
 * ```ts
 * import { judgeProbe } from "./probe_judge.ts";
 * import { INITIAL_CLIMB, startProbe } from "./hill_climb.ts";
 * import { resolveControllerOptions } from "./controller_options.ts";
 * const climb = startProbe(INITIAL_CLIMB, { from: 2, to: 3, baselineRate: 40, now: 0 });
 * const sample = { now: 250, workers: 3, busyWorkers: 3, concurrency: 1, inFlight: 3,
 *   queueDepth: 50, completed: 10, busyMs: 0, cores: 2, tasks: {} };
 * const j = judgeProbe(climb, { knob: "workers", sample, interval: { completed: 10, ms: 250 },
 *   loadChanged: false, loadKind: "cpu" }, resolveControllerOptions(2));
 * console.log(j.decision?.kind, j.restore); // "revert" 2
 * ```
 */
export function judgeProbe(
  climb: ClimbState,
  context: JudgeContext,
  options: ResolvedControllerOptions,
): Judgement {
  const { knob, sample, interval } = context;
  const probe = climb.probe!;
  const at = sample.now;
  const busy = sample.workers > 0 ? sample.busyWorkers / sample.workers : 0;
  const revert = (next: ClimbState, why: string): Judgement => ({
    climb: next,
    restore: probe.from,
    decision: {
      at,
      kind: "revert",
      from: probe.to,
      to: probe.from,
      reason: `revert ${knob} ${probe.to}→${probe.from}: ${why}`,
    },
  });
  // Without the load the probe was meant for, the measurement means nothing: no penalty. A load
  // that went away reads as a change to "idle" too; it is handled as gone, first.
  const abandoned = { failures: climb.failures, nextProbeAt: climb.nextProbeAt };
  if (sample.queueDepth === 0 && busy < options.scaleDownThreshold) {
    if (knob === "workers") return revert(abandoned, "the load went away during the probe");
    return {
      climb: abandoned,
      decision: {
        at,
        kind: "hold",
        from: probe.from,
        to: probe.to,
        reason: `end concurrency probe ${probe.from}→${probe.to} unjudged: ` +
          "the load went away; the limit stays",
      },
    };
  }
  if (context.loadChanged) {
    return revert(abandoned, `load changed to ${context.loadKind} during the probe`);
  }
  if (interval === undefined) return { climb };
  const applied = sample[knob] === probe.to;
  const backoffMs = 4 * options.monitorIntervalMs;
  const runMs = meanRunMs(sample.tasks);
  const r = measureProbe(climb, { now: at, applied, runMs, ...interval }, {
    noiseMargin: options.noiseMargin,
    backoffMs,
    maxBackoffMs: 16 * backoffMs,
  });
  // A drained queue means the batch, not the limit, set the pace: no gain is then no evidence.
  const unsaturated = applied && knob === "concurrency" && sample.queueDepth === 0;
  if (r.verdict === "revert" && unsaturated) return { climb: { ...climb, probe: r.probe } };
  if (r.verdict === "revert") return revert(r.climb, r.reason);
  if (r.verdict === "measuring") return { climb: r.climb };
  return {
    climb: r.climb,
    evidence: { completed: r.probe.completed, ms: r.probe.ms },
    decision: {
      at,
      kind: "hold",
      from: probe.from,
      to: probe.to,
      reason: `keep ${knob} ${probe.from}→${probe.to}: ${r.reason}`,
    },
  };
}
