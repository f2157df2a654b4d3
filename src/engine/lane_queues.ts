/**
 * The pool's two lanes (the seeds' HYBRID strategy). The worker lane holds tasks that compute:
 * one runs at a time per worker, since a second would only wait for the first to yield. The
 * async lane holds tasks that mostly wait: up to `concurrency` of them run at once per worker.
 * Each lane has its own priority queue, so a backlog in one never blocks the other. The lane
 * table says which lane each task name runs in: a user's pin, else the controller's routing.
 *
 * @module
 */
import type { Lane } from "../tuning/controller_options.ts";
import { TaskQueue } from "./priority_queue.ts";
import type { Task } from "./task.ts";

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

/**
 * Lane per task name.
 *
 * @example
 * ```ts
 * import { LaneTable } from "./lane_queues.ts";
 * const lanes = new LaneTable({ fetch: "async" }, 0);
 * console.log(lanes.laneOf("fetch"), lanes.laneOf("render")); // 1 0
 * console.log(lanes.route({ render: "async", fetch: "worker" })); // [["render", 1]]: pins win
 * ```
 */
export class LaneTable {
  readonly #pinned: Map<string, LaneIndex>;
  readonly #routes = new Map<string, LaneIndex>();

  constructor(pinned: Readonly<Record<string, Lane>>, readonly defaultLane: LaneIndex) {
    this.#pinned = new Map(Object.entries(pinned).map(([name, lane]) => [name, laneIndex(lane)]));
  }

  /** The lane a new task named `name` queues in. */
  laneOf(name: string): LaneIndex {
    return this.#pinned.get(name) ?? this.#routes.get(name) ?? this.defaultLane;
  }

  /** Takes the controller's routing; returns the unpinned names whose lane changed. */
  route(lanes: Readonly<Record<string, Lane>>): [string, LaneIndex][] {
    const changed: [string, LaneIndex][] = [];
    for (const [name, lane] of Object.entries(lanes)) {
      const index = laneIndex(lane);
      if (this.#routes.get(name) === index) continue;
      this.#routes.set(name, index);
      if (!this.#pinned.has(name)) changed.push([name, index]);
    }
    return changed;
  }
}
