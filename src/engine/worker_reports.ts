/**
 * What the workers report, heard in one place: every link's events come here (the one path back
 * up from the transport), and go down to the parts that act on them. A batch of results goes to
 * the settler in one call, then the worker is ended if it was retiring, the idle timer armed,
 * and a dispatch turn scheduled for what is still queued; a worker's death sends its tasks to the
 * settler (crash, retry, or claimed back and queued again at the head) and may start a
 * back-off or stop starting workers.
 *
 * @module
 */
import type { Closing } from "./closing.ts";
import type { Drain } from "./drain.ts";
import { TaskError, WorkerStartError } from "../errors.ts";
import type { LaneQueues } from "./lane_queues.ts";
import type { DoneBatch, SerializedError } from "../transport/protocol.ts";
import type { RunTimes } from "./dispatch_plan.ts";
import type { Task } from "./task.ts";
import type { TaskSettler } from "./task_settler.ts";
import type { LinkEvents, WorkerLink } from "../transport/worker_link.ts";
import type { WorkerSet } from "./worker_set.ts";

/** The parts the reports act on. */
export interface ReportParts {
  readonly moduleUrl: string;
  readonly closing: Closing;
  readonly queues: LaneQueues;
  readonly workers: WorkerSet;
  readonly settler: TaskSettler;
  /** What dispatches: a turn after results or a death, and letting go of its port when idle. */
  readonly dispatcher: { schedule(): void; release(): void };
  /** Run times per name, fed by every batch of results. */
  readonly runTimes: RunTimes;
  readonly drain: Drain;
}

/**
 * The pool's ear for its workers.
 *
 * @example
 * ```ts ignore
 * const parts = { moduleUrl, closing, queues, workers, settler, dispatcher, runTimes, drain };
 * const reports = new WorkerReports(parts);
 * workers.reportTo(reports);
 * ```
 */
export class WorkerReports implements LinkEvents<Task> {
  constructor(readonly parts: ReportParts) {}

  /** A worker loaded the task module: starting workers works, and it can take tasks. */
  ready(): void {
    this.parts.workers.noteReady();
    this.parts.dispatcher.schedule();
  }

  /** A task reported progress. */
  progress(w: WorkerLink<Task>, id: number, value: unknown): void {
    w.inFlight.get(id)?.onProgress?.(value);
  }

  /** A streaming task sent a chunk: it goes to its caller, unless the task is settled already. */
  chunk(w: WorkerLink<Task>, id: number, value: unknown): void {
    const task = w.inFlight.get(id);
    if (task !== undefined && !task.settled) task.chunk(value);
  }

  /** A worker asks to be retired after its current task (TTL, memory, task count). */
  recycle(w: WorkerLink<Task>, reason: string): void {
    if (!this.parts.workers.retire(w, reason)) this.parts.dispatcher.schedule(); // a replacement
  }

  /** A worker sent a batch of results: it reaches the settler in one call. */
  results(w: WorkerLink<Task>, batch: DoneBatch): void {
    const { closing, queues, workers, settler, dispatcher, drain, runTimes } = this.parts;
    if (settler.applyResults(w, batch, runTimes) > 0) workers.noteFinished();
    if (w.inFlight.size === 0) {
      w.idleSince = performance.now();
      if (w.state === "retiring") workers.end(w, w.retireReason);
      else if (closing.state === "open") workers.armIdleTimer();
      // Nothing left to do: let go of the dispatch port, which would keep the process alive.
      if (queues.size === 0 && workers.load().inFlight === 0) dispatcher.release();
    }
    if (queues.size > 0) dispatcher.schedule();
    // Only a closing pool can finish: an open one does not call into the drain per batch.
    if (closing.state !== "open") drain.maybeFinish();
  }

  /** The task module threw while loading: every call waiting fails the same way. */
  initError(w: WorkerLink<Task>, error: SerializedError): void {
    const failure = new Error(
      `Cannot load the task module ${this.parts.moduleUrl}: ${error.message}`,
      { cause: new TaskError("(module)", error) },
    );
    const held = [...w.inFlight.values()];
    w.inFlight.clear();
    this.parts.workers.end(w, `the task module failed to load: ${error.message}`);
    this.parts.drain.failWaiting(failure, held);
  }

  /** A worker is gone: its tasks crash, retry or run elsewhere, and a replacement may start. */
  exited(w: WorkerLink<Task>, reason: string): void {
    const { closing, queues, workers, settler, dispatcher, drain } = this.parts;
    const requeue = settler.recoverTasks(w, reason);
    workers.remove(w, reason);
    const failedStarts = workers.noteDeath(w);
    if (failedStarts > 0) {
      // Workers keep failing to start: stop starting them, end the ones still starting, and
      // reject every call waiting for one. The pool stays open, and the next call starts afresh.
      const error = new WorkerStartError(reason, failedStarts);
      const starting = workers.endStarting(`stopped starting workers: ${error.message}`);
      drain.failWaiting(error, [...requeue, ...starting]);
      return;
    }
    for (let i = requeue.length - 1; i >= 0; i--) queues.unshift(requeue[i]);
    // A replacement starts when there is work for it (the turn spawns it), not before.
    if (closing.state !== "closed") dispatcher.schedule();
    drain.maybeFinish();
  }
}
