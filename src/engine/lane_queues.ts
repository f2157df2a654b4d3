/**
 * The pool's two lanes (the seeds' HYBRID strategy). The worker lane holds tasks that compute:
 * one runs at a time per worker, since a second would only wait for the first to yield. The
 * async lane holds tasks that mostly wait: up to `concurrency` of them run at once per worker.
 * Each lane has its own priority queue, so a backlog in one never blocks the other.
 *
 * @module
 */
import type { Lane } from "../tuning/controller_options.ts";
import type { Task } from "./task.ts";
import { TaskQueue } from "./priority_queue.ts";

/** Index of the worker lane in per-lane arrays. */
export const WORKER_LANE = 0;
/** Index of the async lane in per-lane arrays. */
export const ASYNC_LANE = 1;
/** A lane as an array index. */
export type LaneIndex = typeof WORKER_LANE | typeof ASYNC_LANE;

/**
 * Converts a lane name to its index.
 *
 * @example
 * ```ts
 * import { laneIndex } from "./lane_queues.ts";
 * console.log(laneIndex("async")); // 1
 * ```
 */
export function laneIndex(lane: Lane): LaneIndex {
  return lane === "async" ? ASYNC_LANE : WORKER_LANE;
}

/**
 * One priority queue per lane.
 *
 * @example
 * ```ts ignore
 * const queues = new LaneQueues();
 * queues.push(task); // into task.lane's queue
 * ```
 */
export class LaneQueues {
  readonly lanes: readonly [TaskQueue<Task>, TaskQueue<Task>] = [new TaskQueue(), new TaskQueue()];

  /** Tasks queued in both lanes. */
  get size(): number {
    return this.lanes[0].size + this.lanes[1].size;
  }

  push(task: Task): void {
    this.lanes[task.lane].push(task);
  }

  unshift(task: Task): void {
    this.lanes[task.lane].unshift(task);
  }

  remove(task: Task): boolean {
    return this.lanes[task.lane].remove(task);
  }

  /** Takes the next task, worker lane first (inline mode runs both lanes on one thread). */
  shift(): Task | undefined {
    return this.lanes[0].shift() ?? this.lanes[1].shift();
  }

  /** Moves the queued tasks named `name` to `lane`, keeping their order. */
  reroute(name: string, lane: LaneIndex): void {
    const from = this.lanes[lane === WORKER_LANE ? ASYNC_LANE : WORKER_LANE];
    if (from.size === 0) return;
    for (const task of from.extract((t) => t.name === name)) {
      task.lane = lane;
      this.lanes[lane].push(task);
    }
  }

  /** Empties both queues, worker lane first. */
  drain(): Task[] {
    return [...this.lanes[0].drain(), ...this.lanes[1].drain()];
  }
}
