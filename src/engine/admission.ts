/**
 * Admission: how a call becomes a task and reaches the queue. An open pool turns `run()` into a
 * task (its options validated, its timeout and abort armed), refuses it when the queue is full
 * (`onFull: "reject"`) or holds it until there is room (`"wait"`), and queues it in its name's
 * lane; then it schedules a dispatch turn. Cancelling a task ends here too, wherever it is:
 * waiting for room, queued, or in a worker (which the worker set is asked to stop).
 *
 * @module
 */
import type { Room } from "./backpressure.ts";
import type { Closing } from "./closing.ts";
import type { Drain } from "./drain.ts";
import { PoolClosedError, QueueFullError } from "../errors.ts";
import type { LaneQueues, LaneTable } from "./lane_queues.ts";
import { checkRunOptions, NO_OPTIONS, type RunOptions } from "./run_options.ts";
import { type ChunkSink, Task } from "./task.ts";
import { checkCloneable } from "./task_input.ts";
import type { TaskSettler } from "./task_settler.ts";
import type { WorkerSet } from "./worker_set.ts";

/** The parts admission works on. */
export interface AdmissionParts {
  readonly closing: Closing;
  readonly lanes: LaneTable;
  readonly queues: LaneQueues;
  readonly room: Room;
  readonly settler: TaskSettler;
  readonly workers: WorkerSet;
  /** What dispatches queued tasks (the dispatcher, or inline dispatch). */
  readonly dispatch: { schedule(): void };
  readonly drain: Drain;
  /** The adaptive controller, woken by new work (when there is one). */
  readonly tuner?: { wake(): void };
  readonly onFull: "reject" | "wait";
}

/** One call as the hand-off takes it: what `run()` takes, as one object. */
export interface Call {
  name: string;
  input: unknown;
  options?: RunOptions;
}

/**
 * The way into a pool's queue.
 *
 * @example
 * ```ts ignore
 * const admission = new Admission({ closing, lanes, queues, room, settler, workers, dispatch, drain, onFull: "reject" });
 * const result = await admission.run("render", { title: "Hi" });
 * ```
 */
export class Admission {
  #nextTaskId = 1;
  /** Tasks queued so far: a call that queued nothing (refused, or waiting for room) needs no turn. */
  #added = 0;
  readonly #cancel = (task: Task, error: Error): void => this.cancel(task, error);

  constructor(readonly parts: AdmissionParts) {}

  /** See `Pool.run`: resolves or rejects exactly once, whatever happens to the task. */
  run(
    name: string,
    input: unknown,
    options: RunOptions = NO_OPTIONS,
    sink?: ChunkSink,
  ): Promise<unknown> {
    const added = this.#added;
    const promise = this.#admit(name, input, options, sink);
    if (this.#added !== added) this.#queued();
    return promise;
  }

  /**
   * Admits every call of `calls` in order, each with its own options, signal and promise, then
   * schedules one dispatch turn for them all: they leave in that turn, one message per worker.
   * Calls past the queue's room follow `onFull` one by one, as `run()` would.
   */
  runAll(calls: Iterable<Call>): Promise<unknown>[] {
    const added = this.#added;
    const promises: Promise<unknown>[] = [];
    for (const { name, input, options = NO_OPTIONS } of calls) {
      promises.push(this.#admit(name, input, options));
    }
    if (this.#added !== added) this.#queued();
    return promises;
  }

  /** Tasks were queued: wake the controller and schedule a dispatch turn. */
  #queued(): void {
    this.parts.tuner?.wake();
    this.parts.dispatch.schedule();
  }

  #admit(name: string, input: unknown, options: RunOptions, sink?: ChunkSink): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { closing, lanes, room, settler, queues, onFull } = this.parts;
      if (closing.state !== "open") {
        reject(new PoolClosedError(`Cannot run task '${name}' as the pool is ${closing.state}`));
        return;
      }
      let task: Task;
      try {
        // The hot path: a call without options has none to check (its name still must be a
        // string), and a primitive input always clones; each skipped check is a file less and
        // some 100 ns less per call on the main thread, where dispatch throughput is decided.
        const transfer = options === NO_OPTIONS && typeof name === "string"
          ? undefined
          : checkRunOptions(name, options);
        if (typeof input === "object" || typeof input === "function") checkCloneable(name, input);
        const lane = lanes.laneOf(name);
        const id = this.#nextTaskId;
        task = Task.create({
          id,
          name,
          input,
          options,
          transfer,
          lane,
          sink,
          resolve,
          reject,
          cancel: this.#cancel,
        });
        this.#nextTaskId++;
      } catch (error) {
        reject(error);
        return;
      }
      if (!room.full) {
        queues.add(task);
        this.#added++;
      } else if (onFull === "wait") room.wait(task);
      else settler.settle(task, { ok: false, value: new QueueFullError(room.maxQueue) });
    });
  }

  /** Resolves when the queue has room for one more task (at once if it has, or if closed). */
  whenRoom(): Promise<void> {
    return this.parts.closing.state === "open" ? this.parts.room.whenRoom() : Promise.resolve();
  }

  /** Cancels a task wherever it is: waiting for room, queued, or in a worker. */
  cancel(task: Task, error: Error): void {
    if (task.settled) return;
    const { queues, room, settler, workers, dispatch, drain } = this.parts;
    if (task.worker !== null) {
      settler.settle(task, { ok: false, value: error });
      workers.cancelInWorker(task, error);
      return;
    }
    if (!queues.remove(task)) room.remove(task);
    settler.settle(task, { ok: false, value: error });
    if (room.admit() > 0) dispatch.schedule();
    drain.maybeFinish();
  }
}
