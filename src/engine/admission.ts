/**
 * Admission: how a call becomes a task and reaches the queue. An open pool turns `run()` into a
 * task (its options validated, its timeout and abort armed), refuses it when the queue is full
 * (`onFull: "reject"`) or holds it until there is room (`"wait"`), and queues it in its name's
 * lane. Cancelling a task that has not reached a worker ends here too; one in a worker goes back
 * to the pool, which owns the workers.
 *
 * @module
 */
import { PoolClosedError, QueueFullError } from "../errors.ts";
import type { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import type { Room } from "./backpressure.ts";
import type { Closing } from "./closing.ts";
import type { LaneQueues, LaneTable } from "./lane_queues.ts";
import type { PoolEvents } from "./pool_events.ts";
import { newTask, type RunOptions, type Task } from "./task.ts";
import type { TaskSettler } from "./task_settler.ts";

/** What admission tells its pool. */
export interface AdmissionHost {
  /** A task was queued: wake the controller and dispatch. */
  queued(): void;
  /** A task in a worker is cancelled: ask it to stop, and watch that it does. */
  cancelInWorker(task: Task, error: Error): void;
  /** A task left the queue without running: the pool may have finished closing. */
  left(): void;
}

/** The parts of the pool admission works with. */
export interface AdmissionParts {
  readonly queues: LaneQueues;
  readonly room: Room;
  readonly lanes: LaneTable;
  readonly settler: TaskSettler;
  readonly recorder: MetricsRecorder;
  readonly events: PoolEvents;
  readonly closing: Closing;
}

/**
 * The way into a pool's queue.
 *
 * @example
 * ```ts ignore
 * const admission = new Admission(parts, { onFull: "reject", maxQueue: 4096 }, host);
 * const result = await admission.run("render", { title: "Hi" });
 * ```
 */
export class Admission {
  #nextTaskId = 1;
  #cancelBound = (task: Task, error: Error): void => this.cancel(task, error);

  constructor(
    readonly parts: AdmissionParts,
    readonly options: { onFull: "reject" | "wait"; maxQueue: number },
    readonly host: AdmissionHost,
  ) {}

  /** See `Pool.run`: resolves or rejects exactly once, whatever happens to the task. */
  run(name: string, input: unknown, options: RunOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { closing, lanes, room, settler } = this.parts;
      if (closing.state !== "open") {
        reject(new PoolClosedError(`Cannot run task '${name}' as the pool is ${closing.state}`));
        return;
      }
      let task: Task;
      try {
        const handlers = { resolve, reject, cancel: this.#cancelBound };
        task = newTask(this.#nextTaskId++, name, input, options, lanes.laneOf(name), handlers);
      } catch (error) {
        reject(error);
        return;
      }
      if (!room.full) this.enqueue(task);
      else if (this.options.onFull === "wait") room.wait(task);
      else settler.settle(task, false, new QueueFullError(this.options.maxQueue));
    });
  }

  /** Queues `task` in its lane. */
  enqueue(task: Task): void {
    const { queues, recorder, events } = this.parts;
    queues.push(task);
    recorder.taskQueued(task.name, task.queuedAt);
    if (events.has("taskQueued")) {
      events.emit("taskQueued", { id: task.id, name: task.name, priority: task.priority });
    }
    this.host.queued();
  }

  /** Resolves when the queue has room for one more task (at once if it has, or if closed). */
  whenRoom(): Promise<void> {
    return this.parts.closing.state === "open" ? this.parts.room.whenRoom() : Promise.resolve();
  }

  /** Queues the tasks waiting for room, as far as room allows. */
  admitWaiters(): void {
    this.parts.room.admit((task) => this.enqueue(task));
  }

  /** Cancels a task wherever it is: waiting for room, queued, or in a worker. */
  cancel(task: Task, error: Error): void {
    if (task.settled) return;
    if (task.worker !== null) return this.host.cancelInWorker(task, error);
    const { queues, room, settler } = this.parts;
    if (!queues.remove(task)) room.remove(task);
    settler.settle(task, false, error);
    this.admitWaiters();
    this.host.left();
  }
}
