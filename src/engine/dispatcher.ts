/**
 * The dispatcher: when a turn of dispatch runs, how many queued tasks each worker gets, and how
 * they travel (one message per worker, or the shared-memory fast path for a lone task). It also
 * keeps the mean run time per task name that sizes prefetch. It is handed the parts it works on
 * and calls them downward: the ready queues, the worker set, the settler (for a task that cannot
 * be sent), the room (waiters enter the queue as it empties).
 *
 * @module
 */
import type { Room } from "./backpressure.ts";
import { laneLimit, planDispatch, workerRoom } from "./dispatch_plan.ts";
import { type Lane, LANES } from "../lane.ts";
import type { LaneQueues } from "./lane_queues.ts";
import type { PoolEvents } from "./pool_events.ts";
import type { RunTimes } from "./dispatch_plan.ts";
import type { Task } from "./task.ts";
import { cloneError } from "./task_input.ts";
import type { TaskSettler } from "./task_settler.ts";
import type { WorkerLink } from "../transport/worker_link.ts";
import type { WorkerSet } from "./worker_set.ts";

/** The parts a dispatcher works on. */
export interface DispatchParts {
  readonly queues: LaneQueues;
  readonly workers: WorkerSet;
  readonly settler: TaskSettler;
  readonly room: Room;
  readonly events: PoolEvents;
  /** Mean run time per task name: what prefetch and the fast path are sized by. */
  readonly runTimes: RunTimes;
  /** Recycling limit per worker (0: none). */
  readonly maxTasksPerWorker: number;
}

/**
 * Dispatches a pool's queued tasks to its workers.
 *
 * @example
 * ```ts ignore
 * const parts = { queues, workers, settler, room, events, runTimes, maxTasksPerWorker: 0 };
 * const dispatcher = new Dispatcher(parts);
 * dispatcher.schedule(); // after queueing a task
 * ```
 */
export class Dispatcher {
  /** Tasks handed over through a worker's shared-memory mailbox instead of a message. */
  handedOff = 0;
  #closed = false;
  readonly #flusher = new FlushScheduler(() => {
    this.#turn();
    // A turn scheduled before the pool went idle (a worker became ready after the last result,
    // say) runs after the pool's release() was skipped for it: release here too, or the open
    // port keeps a script that forgot close() alive forever.
    if (this.#idle()) this.#flusher.release();
  });
  readonly #wake = (): void => this.schedule();

  constructor(readonly parts: DispatchParts) {}

  /** Schedules a turn: at once if a worker could start a task now, else a macrotask later. */
  schedule(): void {
    // Called once per queued task: skip the scan over workers while a turn is already coming.
    if (!this.#flusher.pending) this.#flusher.schedule(this.#starving());
  }

  /** The pool is idle: lets go of what would keep the process alive, unless a turn is pending. */
  release(): void {
    this.#flusher.release();
  }

  /** The pool closed: no more turns, and nothing left to keep the event loop alive. */
  close(): void {
    this.#closed = true;
    this.#flusher.close();
  }

  /** Nothing queued and nothing in flight: no turn is needed until the next task. */
  #idle(): boolean {
    return this.parts.queues.size === 0 && this.parts.workers.load().inFlight === 0;
  }

  /** True when some worker could start a queued task right now, or more workers may start. */
  #starving(): boolean {
    const { queues, workers } = this.parts;
    if (workers.live < workers.target && workers.maySpawn(this.#wake)) return true;
    const { worker, async } = queues.lanes;
    for (const w of workers.list) {
      if (!w.taking) continue;
      if (worker.size > 0 && w.laneInFlight.worker === 0) return true;
      if (async.size > 0 && w.laneInFlight.async < workers.concurrency) return true;
    }
    return false;
  }

  #turn(): void {
    if (this.#closed) return;
    const { queues, workers, maxTasksPerWorker, room } = this.parts;
    for (const lane of LANES) {
      const queue = queues.lanes[lane];
      if (queue.size === 0) continue;
      // Sized from the task about to be sent (a name never measured gets no prefetch beyond the
      // backlog's one), not from whatever ran last: one cheap call must not let a worker take a
      // whole batch of slow tasks. With names mixed in a queue, its head decides the turn.
      const limit = laneLimit({
        lane,
        concurrency: workers.concurrency,
        meanRunMs: this.parts.runTimes.mean(queue.peek()!.name),
        queued: queue.size,
        workers: workers.list.length,
        maxTasksPerWorker,
      });
      const plan = planDispatch(
        queue.size,
        workers.list.map((w) => workerRoom(w, lane, limit, maxTasksPerWorker)),
        workers.maySpawn(this.#wake) ? workers.target - workers.live : 0,
        limit,
      );
      for (let i = 0; i < plan.spawn; i++) workers.spawn();
      this.#send(plan.counts, lane);
    }
    // Room freed up in the queue: calls waiting for it enter, and go out in the next turn.
    if (room.admit() > 0) this.schedule();
  }

  #send(counts: number[], lane: Lane): void {
    const { queues, workers } = this.parts;
    const queue = queues.lanes[lane];
    const now = performance.now();
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if (n === 0) continue;
      const w = workers.list[i];
      if (n === 1) {
        // One task for an idle worker: the shared-memory fast path, when the task allows it
        // (no transfer, no progress, no stream: progress and chunks travel by message and must
        // precede the result).
        const task = queue.peek()!;
        const expectedMs = this.parts.runTimes.mean(task.name);
        if (
          task.transfer === undefined && task.onProgress === undefined && task.window === 0 &&
          w.capabilities.handOff && w.tryHand(task, expectedMs < 0 ? Infinity : expectedMs, now)
        ) {
          queue.shift();
          this.handedOff++;
          this.#sent([task], w, now);
          continue;
        }
      }
      const batch: Task[] = new Array(n);
      for (let j = 0; j < n; j++) batch[j] = queue.shift()!;
      for (const { task, error } of w.send(batch, now)) {
        const t = task as Task;
        t.reclaim(); // it never reached the worker
        this.parts.settler.settle(t, { ok: false, value: cloneError(t.name, error) });
      }
      this.#sent(batch, w, now);
    }
  }

  /** Tasks were handed to `w`: say so, and retire `w` once it has had its `maxTasksPerWorker`. */
  #sent(batch: Task[], w: WorkerLink<Task>, now: number): void {
    const { events, maxTasksPerWorker, workers } = this.parts;
    if (events.listening.taskStarted > 0) events.started(batch, w.id, now);
    if (maxTasksPerWorker > 0 && w.sent >= maxTasksPerWorker) {
      // A busy worker retires after its last task; its replacement may start in the next turn.
      const reason = `recycled after ${w.sent} tasks (maxTasksPerWorker)`;
      if (!workers.retire(w, reason)) this.schedule();
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
