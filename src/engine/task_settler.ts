/**
 * Settling a task, exactly once: clear its timer and abort listener, resolve or reject the
 * caller, record it in the metrics, and emit the event. Every way a task ends goes through here:
 * a worker's batch of results (`applyResults`) and a worker's death (`recoverTasks`: started
 * tasks crash or retry, tasks claimed back run elsewhere) included.
 *
 * @module
 */
import { TaskError, WorkerCrashedError, WorkerUnresponsiveError } from "../errors.ts";
import type { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import type { PoolEvents } from "./pool_events.ts";
import type { DoneBatch, SerializedError } from "../transport/protocol.ts";
import type { RunTimes } from "./dispatch_plan.ts";
import type { Task } from "./task.ts";
import type { WorkerLink } from "../transport/worker_link.ts";

/** How a task ended, as {@linkcode TaskSettler.settle} takes it. */
export interface Outcome {
  /** True: `value` is the result; false: it is the error the caller sees. */
  ok: boolean;
  value: unknown;
  /** Milliseconds the worker's thread was busy with it. @default {0} */
  busyMs?: number;
  /** Its wall time in the worker; negative: not measured, the time since it was sent (or 0) stands in. @default {-1} */
  runMs?: number;
  /** The clock reading to settle at, shared by a batch of results. @default {performance.now()} */
  now?: number;
}

/**
 * Settles tasks and counts them.
 *
 * @example
 * ```ts ignore
 * const settler = new TaskSettler(recorder, events, false);
 * settler.settle(task, { ok: true, value: 42, busyMs: 0.1, runMs: 0.2 });
 * ```
 */
export class TaskSettler {
  /** Tasks that resolved. */
  completed = 0;
  /** Tasks that rejected, for any reason. */
  failed = 0;
  /** Busy (compute) milliseconds the workers reported, over all results. */
  busyMs = 0;

  constructor(
    readonly recorder: MetricsRecorder,
    readonly events: PoolEvents,
    /** True in inline mode: the metrics say "inline" for every lane. */
    readonly inline: boolean,
  ) {}

  /** Settles `task` unless it already is, and records and announces how it ended. */
  settle(task: Task, outcome: Outcome): void {
    if (task.settled) return;
    const { ok, value, busyMs = 0, now = performance.now() } = outcome;
    let runMs = outcome.runMs ?? -1;
    const waitMs = task.sentAt ? task.sentAt - task.queuedAt : now - task.queuedAt;
    if (runMs < 0) runMs = task.sentAt ? now - task.sentAt : 0;
    task.settle(ok, value);
    this.recorder.taskFinished({
      name: task.name,
      stage: task.stage,
      waitMs,
      runMs,
      busyMs,
      ok,
      now,
      workerId: task.worker?.id,
      lane: this.inline ? "inline" : task.lane,
    });
    if (ok) {
      this.completed++;
      if (this.events.listening.taskFinished > 0) {
        const workerId = task.worker?.id ?? 0;
        this.events.emit("taskFinished", {
          id: task.id,
          name: task.name,
          workerId,
          waitMs,
          runMs,
          busyMs,
        });
      }
    } else {
      this.failed++;
      if (this.events.listening.taskFailed > 0) {
        this.events.emit("taskFailed", { id: task.id, name: task.name, error: value });
      }
    }
  }

  /**
   * Settles the tasks of a result batch from `w`, folds their run times into `times` per task
   * name (for the prefetch sizing), and returns how many it settled. A worker's results reach
   * the settler in this one call.
   */
  applyResults(w: WorkerLink<Task>, batch: DoneBatch, times: RunTimes): number {
    const { ids, failed, values, busy, run } = batch;
    let counted = 0;
    // A batch mostly holds one name: sum runs of the same name, and look the name up once per run.
    let name = "";
    let nameCount = 0;
    let nameRunMs = 0;
    let f = 0;
    const now = performance.now();
    for (let i = 0; i < ids.length; i++) {
      const task = w.inFlight.get(ids[i]);
      const isError = failed !== null && failed[f] === i;
      if (isError) f++;
      if (task === undefined) continue; // a task already settled and forgotten (killed worker)
      w.release(task);
      w.completed++;
      w.busyMs += busy[i];
      this.busyMs += busy[i];
      counted++;
      if (task.name !== name) {
        times.record(name, nameCount, nameRunMs);
        name = task.name;
        nameCount = 0;
        nameRunMs = 0;
      }
      nameCount++;
      nameRunMs += run[i];
      const value = isError ? new TaskError(task.name, values[i] as SerializedError) : values[i];
      this.settle(task, { ok: !isError, value, busyMs: busy[i], runMs: run[i], now });
    }
    times.record(name, nameCount, nameRunMs);
    return counted;
  }

  /**
   * After `w` died: rejects its started tasks with `WorkerCrashedError` (or keeps them for a
   * retry when they have retries left) and returns, in order, the tasks to queue again.
   */
  recoverTasks(w: WorkerLink<Task>, reason: string): Task[] {
    const requeue: Task[] = [];
    for (const task of w.inFlight.values()) {
      if (task.settled) continue;
      // A task that never started is safe to run elsewhere once claimed (a dying worker may still
      // be running, and checks the claim before it starts a task); one that started may have had
      // effects, so it runs again only when the caller asked for retries.
      if (w.claim(task)) {
        task.reclaim();
        requeue.push(task);
        continue;
      }
      // A streaming task that sent chunks is past started: its caller saw output, so it never
      // runs again (stream() refuses retries), and it fails.
      if (task.state === "sent") task.start();
      if (task.retriesLeft > 0 && task.state === "started") {
        task.retry();
        requeue.push(task);
      } else {
        // A child killed for missing heartbeats: its started tasks say so rather than "crashed".
        const error = w.unresponsive
          ? new WorkerUnresponsiveError(task.name, reason)
          : new WorkerCrashedError(task.name, reason);
        this.settle(task, { ok: false, value: error });
      }
    }
    w.inFlight.clear();
    return requeue;
  }
}
