/**
 * The adaptive controller: one pure {@linkcode decide} step per monitor interval that combines
 * lane routing, the threshold rules and the throughput search into a target shape
 * `{ workers, concurrency }`. The pool samples, calls `decide`, and applies the target; this
 * module owns no timer and touches no worker.
 *
 * @module
 */
import {
  type ControllerOptions,
  resolveControllerOptions,
  type ResolvedControllerOptions,
} from "./controller_options.ts";
import type { Lane } from "../lane.ts";
import type { ControllerState, ControllerTarget, Decision } from "./controller_state.ts";
import { INITIAL_CLIMB } from "./hill_climb.ts";
import { classifyLoad, routeLanes } from "./lane_router.ts";
import { judgeProbe } from "./probe_judge.ts";
import { proposeProbe } from "./probe_planner.ts";
import { percent, scalingStep } from "./scaling_policy.ts";
import { checkSample, clampTarget } from "./sample_guard.ts";
import type { PoolSample } from "./pool_sample.ts";

export type { PoolSample };

/** The result of one step. */
export interface DecideResult {
  readonly state: ControllerState;
  readonly target: ControllerTarget;
  /** Decisions made in this step (plain holds are not listed). */
  readonly decisions: Decision[];
  /** Lane per routed or pinned task name; names not listed use the pool's default. */
  readonly lanes: Record<string, Lane>;
}

/** Below this W/C a worker-lane load is pure compute: the core count is its target. */
const CPU_BOUND_WC = 0.1;

/**
 * One controller step: call it every `monitorIntervalMs` with a fresh sample and the state it
 * returned last time (start from `createControllerState()`), then apply `target` and `lanes`.
 * Pass options resolved once with `resolveControllerOptions` to validate them up front.
 *
 * @example
 * ```ts
 * import { decide } from "./controller.ts";
 * import { createControllerState } from "./controller_state.ts";
 * const sample = { now: 0, workers: 1, busyWorkers: 1, concurrency: 1, inFlight: 1,
 *   queueDepth: 14, completed: 0, busyMs: 0, cpuUtilization: 0.5, cores: 2, tasks: {} };
 * console.log(decide(createControllerState(), sample).target); // { workers: 2, concurrency: 1 }
 * ```
 */
export function decide(
  state: ControllerState,
  sample: PoolSample,
  options: ControllerOptions | ResolvedControllerOptions = {},
): DecideResult {
  const o = "resolved" in options ? options : resolveControllerOptions(sample.cores, options);
  checkSample(sample);
  const { now, queueDepth, cpuUtilization: cpu } = sample;
  const start = state.target ?? { workers: sample.workers, concurrency: sample.concurrency };
  const bounded = clampTarget(start, o, now);
  const decisions = bounded.decisions;
  let { workers, concurrency } = bounded.target;
  const last = state.last;
  const interval = last && now > last.now
    ? { completed: Math.max(0, sample.completed - last.completed), ms: now - last.now }
    : undefined;

  const routed = routeLanes(state.lanes, sample.tasks, { now, ...o });
  decisions.push(...routed.decisions);
  const seen = classifyLoad(sample.tasks, last?.counts ?? {}, routed.lanes);
  // Long tasks may finish nothing in an interval: keep the last load while work is in flight.
  const load = seen.kind === "idle" && sample.inFlight > 0 ? state.load : seen;
  const loadChanged = load.kind !== state.load.kind;
  const cores = Math.max(1, Math.round(sample.cores));
  const cpuBound = load.kind === "cpu" && load.wc < CPU_BOUND_WC;
  const noHeadroom = cpu === undefined || cpu > o.cpuThreshold;
  const wanted = load.kind !== "cpu"
    ? o.softLimit
    : cpuBound
    ? cores
    : Math.round(cores * (1 + load.wc));
  const ideal = Math.min(o.softLimit, Math.max(o.minWorkers, wanted));

  let { scaling, steady, provenWorkers } = state;
  let workerClimb = loadChanged ? INITIAL_CLIMB : state.workerClimb;
  let concurrencyClimb = loadChanged ? INITIAL_CLIMB : state.concurrencyClimb;
  if (loadChanged) provenWorkers = 0;
  const knob = state.workerClimb.probe
    ? "workers"
    : state.concurrencyClimb.probe
    ? "concurrency"
    : undefined;
  let kept = false;

  if (knob !== undefined) {
    const climb = knob === "workers" ? state.workerClimb : state.concurrencyClimb;
    const j = judgeProbe(climb, { knob, sample, interval, loadChanged, loadKind: load.kind }, o);
    if (j.decision) decisions.push(j.decision);
    if (j.evidence) {
      kept = true;
      steady = j.evidence;
      if (knob === "workers") provenWorkers = climb.probe!.to;
    }
    if (knob === "workers") workerClimb = j.climb;
    else concurrencyClimb = j.climb;
    if (j.restore !== undefined && knob === "workers") workers = j.restore;
    if (j.restore !== undefined && knob === "concurrency") concurrency = j.restore;
  } else {
    // Pure compute on a busy (or unknown) CPU gains nothing past the cores, however long the
    // queue grows, unless a kept probe proved otherwise.
    const capped = cpuBound && noHeadroom;
    const hardLimit = capped ? Math.max(ideal, provenWorkers) : o.hardLimit;
    const limitReason = capped
      ? `CPU-bound load (W/C ${load.wc.toFixed(2)}, cpu ${percent(cpu)}) on ${cores} cores: limit`
      : undefined;
    const s = scalingStep(scaling, {
      now,
      workers,
      liveWorkers: sample.workers,
      busyWorkers: sample.busyWorkers,
      queueDepth,
      cpuUtilization: cpu,
      softLimit: ideal,
      hardLimit,
      limitReason,
    }, o);
    scaling = s.state;
    if (s.decision) {
      decisions.push(s.decision);
      workers = s.workers;
    } else if (interval !== undefined && (!loadChanged || load.kind === "io")) {
      // A load that just turned to waiting may jump at once: nothing it had is worth keeping.
      // Right after a load change there is no baseline yet; for waiting work the last interval
      // serves, so the jump to Little's law comes one interval sooner (a re-tune within 5).
      const baseline = steady.ms === 0 && load.kind === "io"
        ? { completed: interval.completed, ms: interval.ms }
        : steady;
      const plan = proposeProbe({
        sample,
        load,
        workers,
        concurrency,
        steady: baseline,
        workerClimb,
        concurrencyClimb,
        loadSince: state.loadSince,
        cpuBound,
        cores,
      }, o);
      if (plan !== undefined) {
        decisions.push(plan.decision);
        ({ workerClimb, concurrencyClimb, workers, concurrency } = plan);
      }
    }
  }

  const changed = workers !== start.workers || concurrency !== start.concurrency ||
    routed.decisions.length > 0 || loadChanged;
  if (changed && !kept) steady = { completed: 0, ms: 0 };
  else if (knob === undefined && interval !== undefined) {
    // Halve old evidence now and then so the baseline follows a slowly drifting load.
    const decay = steady.ms > 8 * o.monitorIntervalMs ? 0.5 : 1;
    steady = {
      completed: steady.completed * decay + interval.completed,
      ms: steady.ms * decay + interval.ms,
    };
  }
  const counts = Object.fromEntries(Object.entries(sample.tasks).map(([n, t]) => [n, t.count]));
  const target = { workers, concurrency };
  const next: ControllerState = {
    target,
    last: { now, completed: sample.completed, counts },
    load,
    loadSince: loadChanged ? now : state.loadSince,
    steady,
    provenWorkers,
    scaling,
    workerClimb,
    concurrencyClimb,
    lanes: routed.lanes,
    history: [...state.history, ...decisions].slice(-o.historySize),
  };
  return { state: next, target, decisions, lanes: { ...routed.lanes } };
}
