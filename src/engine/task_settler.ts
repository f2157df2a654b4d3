/**
 * Settling a task, exactly once: clear its timer and abort listener, resolve or reject the
 * caller, record it in the metrics, and emit the event. Every way a task ends goes through here.
 *
 * @module
 */
import { ASYNC_LANE } from "./lane_queues.ts";
import type { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import type { PoolEvents } from "./pool_events.ts";
import type { Task } from "./task.ts";

/**
 * Settles tasks and counts them.
 *
 * @example
 * ```ts ignore
 * const settler = new TaskSettler(recorder, events, false);
 * settler.settle(task, true, 42, 0.1, 0.2);
 * ```
 */
export class TaskSettler {
  /** Tasks that resolved. */
  completed = 0;
  /** Tasks that rejected, for any reason. */
  failed = 0;

  constructor(
    readonly recorder: MetricsRecorder,
    readonly events: PoolEvents,
    /** True in inline mode: the metrics say "inline" for every lane. */
    readonly inline: boolean,
  ) {}

  /**
   * Settles `task` unless it already is. `runMs` negative means "not measured by the worker": the
   * time since it was sent (or 0 if never sent) stands in. `now` lets a batch of results share
   * one clock reading.
   */
  settle(
    task: Task,
    ok: boolean,
    value: unknown,
    busyMs = 0,
    runMs = -1,
    now = performance.now(),
  ): void {
    if (task.settled) return;
    task.settled = true;
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener("abort", task.onAbort);
    const waitMs = task.sentAt ? task.sentAt - task.queuedAt : now - task.queuedAt;
    if (runMs < 0) runMs = task.sentAt ? now - task.sentAt : 0;
    this.recorder.taskFinished({
      name: task.name,
      stage: task.stage,
      waitMs,
      runMs,
      busyMs,
      ok,
      now,
      workerId: task.worker?.id,
      lane: this.inline ? "inline" : task.lane === ASYNC_LANE ? "async" : "worker",
    });
    if (ok) {
      this.completed++;
      task.resolve(value);
      if (this.events.has("taskFinished")) {
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
      task.reject(value);
      if (this.events.has("taskFailed")) {
        this.events.emit("taskFailed", { id: task.id, name: task.name, error: value });
      }
    }
  }
}
