/**
 * HYBRID/ADAPTIVE routing by measured wait-to-compute ratio (W/C) per task name: names that
 * mostly wait go to the async lane (many in flight per worker), the rest to the worker lane (one
 * at a time per worker). User pins always win; a routed name changes lane only when its W/C
 * crosses a band around 1, so it does not bounce.
 *
 * @module
 */
import type { Decision } from "./decision.ts";
import type { Lane } from "../lane.ts";
import { ownValue } from "../own_keys.ts";
import { waitComputeRatio } from "../sizing/littles_law.ts";

/** Recent statistics of one task name (EMA of wait and compute per task). */
export interface TaskLoad {
  /** Tasks of this name completed since start. */
  count: number;
  /** Mean wall-minus-compute time per task, ms. */
  waitMs: number;
  /** Mean compute time per task, ms. */
  computeMs: number;
}

/** Inputs of {@linkcode routeLanes} besides the current lanes and the statistics. */
export interface RouteOptions {
  /** Injected clock, ms (stamped on decisions). */
  now: number;
  /** Lanes fixed by the user. */
  pinnedLanes: Readonly<Record<string, Lane>>;
  /** Completed tasks of a name before it is routed. */
  routeMinSamples: number;
  /** Band around W/C = 1: to async above `1 + h`, back to worker below `1 / (1 + h)`. */
  routeHysteresis: number;
}

/** The current load as the controller sees it. */
export interface LoadProfile {
  /** `io` when async-lane work dominates the recent time, `cpu` when worker-lane work does. */
  readonly kind: "idle" | "cpu" | "io";
  /** Completion-weighted W/C of the dominant lane's recent tasks. */
  readonly wc: number;
}

/** Numeric code of a lane in a route decision's `from`/`to`. */
export const LANE_CODE: Readonly<Record<Lane, number>> = Object.freeze({ worker: 0, async: 1 });

function fmt(wc: number): string {
  return wc >= 10 ? String(Math.round(wc)) : wc.toFixed(2);
}

/**
 * Updates the lane of every task name from its W/C, honouring pins and the hysteresis band.
 * Names below the sample minimum keep their lane (or stay unrouted: the pool's default).
 *
 * @example
 * ```ts
 * import { routeLanes } from "./lane_router.ts";
 * const r = routeLanes({}, { sleep: { count: 20, waitMs: 20, computeMs: 0.02 } }, {
 *   now: 0, pinnedLanes: {}, routeMinSamples: 8, routeHysteresis: 0.25,
 * });
 * console.log(r.lanes.sleep); // "async"
 * ```
 */
export function routeLanes(
  lanes: Readonly<Record<string, Lane>>,
  tasks: Readonly<Record<string, TaskLoad>>,
  options: RouteOptions,
): { lanes: Record<string, Lane>; decisions: Decision[] } {
  const { now, pinnedLanes, routeMinSamples, routeHysteresis } = options;
  // A Map, not a spread-and-assign object: a task may be named `__proto__`.
  const next = new Map(Object.entries(lanes));
  const decisions: Decision[] = [];
  for (const name of new Set([...Object.keys(tasks), ...Object.keys(pinnedLanes)])) {
    const current = ownValue(lanes, name);
    const stats = ownValue(tasks, name);
    const pinned = ownValue(pinnedLanes, name);
    let lane: Lane;
    let why: string;
    if (pinned !== undefined) {
      lane = pinned;
      why = "pinned by the user";
    } else if (stats === undefined || stats.count < routeMinSamples) {
      continue;
    } else {
      const wc = waitComputeRatio(stats.waitMs, stats.computeMs);
      const bound = current === undefined
        ? 1
        : current === "worker"
        ? 1 + routeHysteresis
        : 1 / (1 + routeHysteresis);
      lane = current === "async"
        ? (wc < bound ? "worker" : "async")
        : (wc > bound ? "async" : "worker");
      why = `W/C ${fmt(wc)} ${lane === "async" ? ">" : "≤"} ${
        fmt(bound)
      } after ${stats.count} samples`;
    }
    next.set(name, lane);
    // Unrouted names already run on the worker lane, so a first "worker" is not a change.
    const before = current ?? "worker";
    if (before !== lane) {
      decisions.push({
        at: now,
        kind: "route",
        from: LANE_CODE[before],
        to: LANE_CODE[lane],
        task: name,
        reason: `route "${name}" ${before}→${lane}: ${why}`,
      });
    }
  }
  return { lanes: Object.fromEntries(next), decisions };
}

/**
 * Classifies the recent load from the tasks completed since the previous sample, weighting each
 * name by the time its completions took.
 *
 * @example
 * ```ts
 * import { classifyLoad } from "./lane_router.ts";
 * const tasks = { fib: { count: 30, waitMs: 0.1, computeMs: 40 } };
 * console.log(classifyLoad(tasks, { fib: 20 }, {}).kind); // "cpu"
 * ```
 */
export function classifyLoad(
  tasks: Readonly<Record<string, TaskLoad>>,
  previousCounts: Readonly<Record<string, number>>,
  lanes: Readonly<Record<string, Lane>>,
): LoadProfile {
  const sums = { worker: { wait: 0, compute: 0 }, async: { wait: 0, compute: 0 } };
  let active = false;
  for (const [name, stats] of Object.entries(tasks)) {
    const delta = stats.count - (ownValue(previousCounts, name) ?? 0);
    if (delta <= 0) continue;
    active = true;
    const sum = sums[ownValue(lanes, name) ?? "worker"];
    sum.wait += delta * stats.waitMs;
    sum.compute += delta * stats.computeMs;
  }
  if (!active) return { kind: "idle", wc: 0 };
  const weight = (s: { wait: number; compute: number }) => s.wait + s.compute;
  const lane: Lane = weight(sums.async) > weight(sums.worker) ? "async" : "worker";
  return {
    kind: lane === "async" ? "io" : "cpu",
    wc: waitComputeRatio(sums[lane].wait, sums[lane].compute),
  };
}
