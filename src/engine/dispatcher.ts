/**
 * The dispatcher: when a turn of dispatch runs, how many queued tasks each worker gets, and how
 * they travel (one message per worker, or the shared-memory fast path for a lone task). It also
 * keeps the mean run time per task name that sizes prefetch.
 *
 * @module
 */
import { laneLimit, planDispatch, workerRoom } from "./dispatch_plan.ts";
import { ASYNC_LANE, type LaneIndex, type LaneQueues, WORKER_LANE } from "./lane_queues.ts";
import { RunTimes } from "./run_times.ts";
import type { Task } from "./task.ts";
import type { WorkerLink } from "../transport/worker_link.ts";
import type { WorkerSet } from "./worker_set.ts";

/** What the dispatcher needs from its pool. */
export interface DispatchHost {
  readonly queues: LaneQueues;
  readonly workers: WorkerSet;
  readonly maxTasksPerWorker: number;
  /** Workers the pool may have now. */
  targetWorkers(): number;
  /** Async-lane tasks one worker runs at once now. */
  concurrency(): number;
  /** Runs instead of dispatching to workers (inline mode, a closed pool); true if it did. */
  intercept(): boolean;
  spawn(): WorkerLink<Task>;
  /** False while workers may not start (a back-off after workers died in a row). */
  maySpawn(): boolean;
  /** Tasks were handed to `w`. */
  started(batch: Task[], w: WorkerLink<Task>, now: number): void;
  /** A task could not be sent (its input would not clone). */
  unsendable(task: Task, error: unknown): void;
  /** After each turn: room may have freed up in the queue. */
  afterTurn(): void;
}

/**
 * Dispatches a pool's queued tasks to its workers.
 *
 * @example
 * ```ts ignore
 * const dispatcher = new Dispatcher(host);
 * dispatcher.schedule(); // after queueing a task
 * ```
 */
export class Dispatcher {
  /** Mean run time per task name over recent batches (results from workers, inline map runs). */
  readonly runTimes: RunTimes = new RunTimes();
  /** Tasks handed over through a worker's shared-memory mailbox instead of a message. */
  handedOff = 0;
  readonly #flusher = new FlushScheduler(() => {
    this.#turn();
    // A turn scheduled before the pool went idle (a worker became ready after the last result,
    // say) runs after the pool's release() was skipped for it: release here too, or the open
    // port keeps a script that forgot close() alive forever.
    if (this.#idle()) this.#flusher.release();
  });

  constructor(readonly host: DispatchHost) {}

  /** Schedules a turn: at once if a worker could start a task now, else a macrotask later. */
  schedule(): void {
    // Called once per queued task: skip the scan over workers while a turn is already coming.
    if (!this.#flusher.pending) this.#flusher.schedule(this.#starving());
  }

  /** The pool is idle: lets go of what would keep the process alive, unless a turn is pending. */
  release(): void {
    this.#flusher.release();
  }

  /** Releases what would keep the event loop alive. */
  close(): void {
    this.#flusher.close();
  }

  /** Nothing queued and nothing in flight: no turn is needed until the next task. */
  #idle(): boolean {
    return this.host.queues.size === 0 && this.host.workers.load().inFlight === 0;
  }

  /** True when some worker could start a queued task right now, or more workers may start. */
  #starving(): boolean {
    const { queues, workers } = this.host;
    if (workers.live < this.host.targetWorkers() && this.host.maySpawn()) return true;
    const [cpu, io] = queues.lanes;
    for (const w of workers.list) {
      if (!w.taking) continue;
      if (cpu.size > 0 && w.laneInFlight[WORKER_LANE] === 0) return true;
      if (io.size > 0 && w.laneInFlight[ASYNC_LANE] < this.host.concurrency()) return true;
    }
    return false;
  }

  #turn(): void {
    if (this.host.intercept()) return;
    const { queues, workers, maxTasksPerWorker } = this.host;
    for (const lane of [WORKER_LANE, ASYNC_LANE] as const) {
      const queue = queues.lanes[lane];
      if (queue.size === 0) continue;
      // Sized from the task about to be sent (a name never measured gets no prefetch beyond the
      // backlog's one), not from whatever ran last: one cheap call must not let a worker take a
      // whole batch of slow tasks. With names mixed in a queue, its head decides the turn.
      const limit = laneLimit({
        lane,
        concurrency: this.host.concurrency(),
        meanRunMs: this.runTimes.mean(queue.peek()!.name),
        queued: queue.size,
        workers: workers.list.length,
        maxTasksPerWorker,
      });
      const plan = planDispatch(
        queue.size,
        workers.list.map((w) => workerRoom(w, lane, limit, maxTasksPerWorker)),
        this.host.maySpawn() ? this.host.targetWorkers() - workers.live : 0,
        limit,
      );
      for (let i = 0; i < plan.spawn; i++) this.host.spawn();
      this.#send(plan.counts, lane);
    }
    this.host.afterTurn();
  }

  #send(counts: number[], lane: LaneIndex): void {
    const queue = this.host.queues.lanes[lane];
    const now = performance.now();
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if (n === 0) continue;
      const w = this.host.workers.list[i];
      if (n === 1) {
        // One task for an idle worker: the shared-memory fast path, when the task allows it
        // (no transfer, no progress: progress travels by message and must precede the result).
        const task = queue.shift()!;
        task.sentAt = now;
        const expectedMs = this.runTimes.mean(task.name);
        if (
          task.transfer === undefined && task.onProgress === undefined &&
          w.capabilities.handOff && w.tryHand(task, expectedMs < 0 ? Infinity : expectedMs)
        ) {
          this.handedOff++;
          this.host.started([task], w, now);
          continue;
        }
        queue.unshift(task);
      }
      const batch: Task[] = new Array(n);
      for (let j = 0; j < n; j++) {
        const task = queue.shift()!;
        task.sentAt = now;
        batch[j] = task;
      }
      for (const { task, error } of w.send(batch)) this.host.unsendable(task as Task, error);
      this.host.started(batch, w, now);
    }
  }
}

/**
 * Runs `flush` at most once per scheduling, soon or a macrotask later.
 *
 * @example
 * ```ts
 * import { FlushScheduler } from "./dispatcher.ts";
 * const s = new FlushScheduler(() => console.log("flush"));
 * s.schedule(true); // logs "flush" in a microtask
 * s.close();
 * ```
 */
export class FlushScheduler {
  #queued = false;
  #channel: MessageChannel | undefined;
  readonly #run: () => void;

  constructor(flush: () => void) {
    this.#run = () => {
      this.#queued = false;
      flush();
    };
  }

  /** True while a flush is scheduled and has not run. */
  get pending(): boolean {
    return this.#queued;
  }

  /** Schedules one flush; calls while one is pending do nothing. */
  schedule(urgent: boolean): void {
    if (this.#queued) return;
    this.#queued = true;
    if (urgent) queueMicrotask(this.#run);
    else this.#macrotask();
  }

  /**
   * Releases the channel when no flush is pending (the pool went idle): an open port with a
   * listener keeps the process alive. The next macrotask flush opens a new one.
   */
  release(): void {
    if (!this.#queued) this.close();
  }

  /** Releases the channel: an open port with a listener keeps the event loop alive. */
  close(): void {
    this.#channel?.port1.close();
    this.#channel?.port2.close();
    this.#channel = undefined;
  }

  // A message to ourselves is the cheapest macrotask on Deno and Bun: setTimeout(0) is clamped
  // to about 1 ms, which would cap throughput at one batch per millisecond.
  #macrotask(): void {
    if (!this.#channel) {
      this.#channel = new MessageChannel();
      this.#channel.port2.onmessage = this.#run;
    }
    this.#channel.port1.postMessage(null);
  }
}
