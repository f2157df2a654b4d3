/**
 * The pool's ready queues, one per lane (the seeds' HYBRID strategy). The worker lane holds tasks
 * that compute: one runs at a time per worker, since a second would only wait for the first to
 * yield. The async lane holds tasks that mostly wait: up to `concurrency` of them run at once per
 * worker. Each lane has its own priority queue, so a backlog in one never blocks the other. The
 * lane table says which lane each task name runs in: a user's pin, else the controller's routing.
 *
 * @module
 */
import type { Lane } from "../lane.ts";
import type { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import type { PoolEvents } from "./pool_events.ts";
import { TaskQueue } from "./priority_queue.ts";
import type { Task } from "./task.ts";

/**
 * One priority queue per lane. A task that enters (`add`) is counted in the metrics and
 * announced (`taskQueued`); one put back after its worker died (`unshift`) is not.
 *
 * @example
 * ```ts ignore
 * const queues = new LaneQueues(recorder, events);
 * queues.add(task); // into task.lane's queue
 * ```
 */
export class LaneQueues {
  readonly lanes: Readonly<Record<Lane, TaskQueue<Task>>> = {
    worker: new TaskQueue(),
    async: new TaskQueue(),
  };

  constructor(readonly recorder: MetricsRecorder, readonly events: PoolEvents) {}

  /** Tasks queued in both lanes. */
  get size(): number {
    return this.lanes.worker.size + this.lanes.async.size;
  }

  /** Queues a new task in its lane, and says so in the metrics and the `taskQueued` event. */
  add(task: Task): void {
    this.lanes[task.lane].push(task);
    this.recorder.taskQueued(task.name, task.queuedAt);
    if (this.events.listening.taskQueued > 0) {
      this.events.emit("taskQueued", { id: task.id, name: task.name, priority: task.priority });
    }
  }

  /** Puts a task back at the head of its lane (its worker died before it ran). */
  unshift(task: Task): void {
    this.lanes[task.lane].unshift(task);
  }

  remove(task: Task): boolean {
    return this.lanes[task.lane].remove(task);
  }

  /** Takes the next task, worker lane first (inline mode runs both lanes on one thread). */
  shift(): Task | undefined {
    return this.lanes.worker.shift() ?? this.lanes.async.shift();
  }

  /** Moves the queued tasks named `name` to `lane`, keeping their order. */
  reroute(name: string, lane: Lane): void {
    const from = this.lanes[lane === "worker" ? "async" : "worker"];
    if (from.size === 0) return;
    for (const task of from.extract((t) => t.name === name)) {
      task.reroute(lane);
      this.lanes[lane].push(task);
    }
  }

  /** Empties both queues, worker lane first. */
  drain(): Task[] {
    return [...this.lanes.worker.drain(), ...this.lanes.async.drain()];
  }
}

/**
 * Lane per task name.
 *
 * @example
 * ```ts
 * import { LaneTable } from "./lane_queues.ts";
 * const lanes = new LaneTable({ fetch: "async" }, "worker");
 * console.log(lanes.laneOf("fetch"), lanes.laneOf("render")); // "async" "worker"
 * console.log(lanes.route({ render: "async", fetch: "worker" })); // [["render", "async"]]: pins win
 * ```
 */
export class LaneTable {
  readonly #pinned: Map<string, Lane>;
  readonly #routes = new Map<string, Lane>();

  constructor(pinned: Readonly<Record<string, Lane>>, readonly defaultLane: Lane) {
    this.#pinned = new Map(Object.entries(pinned));
  }

  /** The lane a new task named `name` queues in. */
  laneOf(name: string): Lane {
    return this.#pinned.get(name) ?? this.#routes.get(name) ?? this.defaultLane;
  }

  /** Takes the controller's routing; returns the unpinned names whose lane changed. */
  route(lanes: Readonly<Record<string, Lane>>): [string, Lane][] {
    const changed: [string, Lane][] = [];
    for (const [name, lane] of Object.entries(lanes)) {
      if (this.#routes.get(name) === lane) continue;
      this.#routes.set(name, lane);
      if (!this.#pinned.has(name)) changed.push([name, lane]);
    }
    return changed;
  }
}
