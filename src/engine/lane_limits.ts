/**
 * How many tasks of a lane one worker may hold, and how many more it can take now: the
 * dispatcher's capacity rules, as pure functions.
 *
 * @module
 */
import { type LaneIndex, WORKER_LANE } from "./lane_queues.ts";
import { prefetchFor } from "./prefetch.ts";

/** What the limit of a lane depends on. */
export interface LaneLimitInput {
  lane: LaneIndex;
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
 * import { laneLimit } from "./lane_limits.ts";
 * const base = { lane: 0 as const, concurrency: 1, queued: 0, workers: 2, maxTasksPerWorker: 0 };
 * console.log(laneLimit({ ...base, meanRunMs: 5 })); // 1
 * console.log(laneLimit({ ...base, meanRunMs: 5, queued: 10 })); // 2: a backlog
 * ```
 */
export function laneLimit(input: LaneLimitInput): number {
  const running = input.lane === WORKER_LANE ? 1 : input.concurrency;
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
  laneInFlight: readonly number[];
  sent: number;
  freeSlots: number;
}

/**
 * How many more tasks of `lane` a worker can take now.
 *
 * @example
 * ```ts
 * import { workerRoom } from "./lane_limits.ts";
 * const w = { taking: true, laneInFlight: [1, 0], sent: 9, freeSlots: 4095 };
 * console.log(workerRoom(w, 0, 4, 10)); // 1: recycling after 10 tasks leaves room for one
 * ```
 */
export function workerRoom(
  w: WorkerLoad,
  lane: LaneIndex,
  limit: number,
  maxTasksPerWorker: number,
): number {
  if (!w.taking) return 0;
  let room = limit - w.laneInFlight[lane];
  if (maxTasksPerWorker > 0) room = Math.min(room, maxTasksPerWorker - w.sent);
  return Math.max(0, Math.min(room, w.freeSlots));
}
