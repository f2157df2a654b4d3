/**
 * The dispatch decision, as a pure function: how many queued tasks each worker gets this turn and
 * how many workers to start. Tasks go to the worker with the most room first (the least busy),
 * and each gets a fair share of the queue rather than all it can hold, so that a burst spreads
 * over every worker instead of filling the first one. A burst also starts the workers it can
 * use, all at once: one more for each queued task beyond the workers with room, up to what may
 * start, even when the first worker's prefetch could hold them all (a cheap task's prefetch
 * would otherwise hand a whole batch to the one worker that exists). What a worker may hold is
 * the lane's limit (`laneLimit`: one running task in the worker lane, `concurrency` in the async
 * lane) plus a prefetch sized from the measured run time of the task being sent (`RunTimes`: a
 * mean per task name, since one pool runs tasks of very different sizes, so that a cheap call of
 * one name never makes the pool pile a batch of another, slow name onto one worker).
 *
 * @module
 */
import { emaStep } from "../metrics/ema.ts";
import type { Lane } from "../lane.ts";

/** What one dispatch turn does. */
export interface Dispatch {
  /** Tasks to send to each worker, by index; indexes past the current workers are new ones. */
  counts: number[];
  /** Workers to start before sending. */
  spawn: number;
}

/**
 * Plans one dispatch turn.
 *
 * @param queued tasks waiting
 * @param rooms free places of each current worker (0 for one that takes no tasks)
 * @param canSpawn how many more workers may start
 * @param perWorker places of a new worker
 *
 * @example
 * ```ts
 * import { planDispatch } from "./dispatch_plan.ts";
 * console.log(planDispatch(10, [4, 4], 0, 4)); // { counts: [4, 4], spawn: 0 }
 * console.log(planDispatch(3, [0], 1, 2)); // { counts: [0, 2], spawn: 1 }
 * console.log(planDispatch(100, [101], 1, 101)); // { counts: [50, 50], spawn: 1 }
 * ```
 */
export function planDispatch(
  queued: number,
  rooms: readonly number[],
  canSpawn: number,
  perWorker: number,
): Dispatch {
  const free = rooms.slice();
  let room = 0;
  let takers = 0;
  for (const r of free) {
    room += r;
    if (r > 0) takers++;
  }
  let spawn = 0;
  while ((room < queued || takers + spawn < queued) && spawn < canSpawn) {
    free.push(perWorker);
    room += perWorker;
    spawn++;
  }
  const counts = free.map(() => 0);
  let remaining = Math.min(queued, room);
  while (remaining > 0) {
    let best = -1;
    let withRoom = 0;
    for (let i = 0; i < free.length; i++) {
      if (free[i] <= 0) continue;
      withRoom++;
      if (best < 0 || free[i] > free[best]) best = i;
    }
    const give = Math.min(free[best], Math.ceil(remaining / withRoom));
    counts[best] += give;
    free[best] -= give;
    remaining -= give;
  }
  return { counts, spawn };
}

/** What the limit of a lane depends on. */
export interface LaneLimitInput {
  lane: Lane;
  /** Async tasks a worker runs at once. */
  concurrency: number;
  /** Mean run time of the lane's recent tasks; negative until measured. */
  meanRunMs: number;
  /** Tasks queued in the lane. */
  queued: number;
  /** Workers in the pool. */
  workers: number;
  /** Recycling limit (0: none). */
  maxTasksPerWorker: number;
}

/**
 * Most tasks of a lane one worker may hold: those it runs at once plus prefetch.
 *
 * @example
 * ```ts
 * import { laneLimit } from "./dispatch_plan.ts";
 * const base = { lane: "worker" as const, concurrency: 1, queued: 0, workers: 2, maxTasksPerWorker: 0 };
 * console.log(laneLimit({ ...base, meanRunMs: 5 })); // 1
 * console.log(laneLimit({ ...base, meanRunMs: 5, queued: 10 })); // 2: a backlog
 * ```
 */
export function laneLimit(input: LaneLimitInput): number {
  const running = input.lane === "worker" ? 1 : input.concurrency;
  let prefetch = prefetchFor(input.meanRunMs, running);
  // With a backlog, keep one task waiting in each worker even when tasks are long, so a worker
  // never idles for a round trip between tasks (measured: ~6% of throughput for 2 ms tasks).
  // Without one, a later high-priority task should not queue behind it.
  if (prefetch === 0 && input.queued >= 2 * input.workers) prefetch = 1;
  const limit = running + prefetch;
  return input.maxTasksPerWorker > 0 ? Math.min(limit, input.maxTasksPerWorker) : limit;
}

/** A worker, as the room rule sees it. */
export interface WorkerLoad {
  taking: boolean;
  laneInFlight: Readonly<Record<Lane, number>>;
  sent: number;
  freeSlots: number;
}

/**
 * How many more tasks of `lane` a worker can take now.
 *
 * @example
 * ```ts
 * import { workerRoom } from "./dispatch_plan.ts";
 * const w = { taking: true, laneInFlight: { worker: 1, async: 0 }, sent: 9, freeSlots: 4095 };
 * console.log(workerRoom(w, "worker", 4, 10)); // 1: recycling after 10 tasks leaves room for one
 * ```
 */
export function workerRoom(
  w: WorkerLoad,
  lane: Lane,
  limit: number,
  maxTasksPerWorker: number,
): number {
  if (!w.taking) return 0;
  let room = limit - w.laneInFlight[lane];
  if (maxTasksPerWorker > 0) room = Math.min(room, maxTasksPerWorker - w.sent);
  return Math.max(0, Math.min(room, w.freeSlots));
}

/** Milliseconds of measured work a worker may hold in prefetch. */
export const PREFETCH_BUDGET_MS = 1;
/** Upper bound on prefetched tasks per worker and lane. */
export const MAX_PREFETCH = 1024;

/**
 * Tasks to prefetch given the mean run time of recent tasks (negative: not measured yet, so
 * none) and how many run at once.
 *
 * @example
 * ```ts
 * import { prefetchFor } from "./dispatch_plan.ts";
 * console.log(prefetchFor(0.01, 1)); // 100: tiny tasks, one message carries many
 * console.log(prefetchFor(5, 1)); // 0: a 5 ms task is worth its own round trip
 * ```
 */
export function prefetchFor(meanRunMs: number, running: number): number {
  if (meanRunMs < 0) return 0;
  return Math.min(
    MAX_PREFETCH,
    Math.floor((PREFETCH_BUDGET_MS * running) / Math.max(meanRunMs, 0.001)),
  );
}

/** Weight of each new batch in a name's mean (the same EMA as the metrics' recent averages). */
const ALPHA = 0.2;

/**
 * Mean run time per task name, an EMA over batches weighted towards the latest.
 *
 * @example
 * ```ts
 * import { RunTimes } from "./dispatch_plan.ts";
 * const times = new RunTimes();
 * times.record("parse", 4, 2); // 4 tasks in 2 ms
 * console.log(times.mean("parse"), times.mean("render")); // 0.5 -1
 * ```
 */
export class RunTimes {
  // A Map, not an object: task names are any string, "__proto__" included.
  readonly #means = new Map<string, number>();

  /** Mean run time of `name` in milliseconds; -1 for a name never measured. */
  mean(name: string): number {
    return this.#means.get(name) ?? -1;
  }

  /** Folds `count` runs of `name` that took `totalMs` in all into its mean. */
  record(name: string, count: number, totalMs: number): void {
    if (count === 0) return;
    const mean = totalMs / count;
    this.#means.set(name, emaStep(this.#means.get(name) ?? null, mean, ALPHA));
  }
}
