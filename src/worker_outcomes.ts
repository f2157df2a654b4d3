/**
 * What a worker's messages and death mean for its tasks: a batch of results settles tasks; a
 * crash settles the tasks that started and hands back those that did not, to run elsewhere.
 *
 * @module
 */
import { TaskError, WorkerCrashedError } from "./errors.ts";
import type { DoneBatch, SerializedError } from "./protocol.ts";
import type { Task } from "./task.ts";
import type { WorkerLink } from "./worker_link.ts";

/** Settles one task (see TaskSettler.settle). */
export type Settle = (
  task: Task,
  ok: boolean,
  value: unknown,
  busyMs?: number,
  runMs?: number,
  now?: number,
) => void;

/**
 * Settles the tasks of a result batch from `w`; returns, per lane, how many ran and their total
 * run time, for the prefetch sizing.
 *
 * @example
 * ```ts ignore
 * const { counted, runSum } = applyResults(worker, batch, settle);
 * ```
 */
export function applyResults(
  w: WorkerLink<Task>,
  batch: DoneBatch,
  settle: Settle,
): { counted: [number, number]; runSum: [number, number]; busyMs: number } {
  const { ids, failed, values, busy, run } = batch;
  const runSum: [number, number] = [0, 0];
  const counted: [number, number] = [0, 0];
  let busyMs = 0;
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
    busyMs += busy[i];
    runSum[task.lane] += run[i];
    counted[task.lane]++;
    task.worker = w; // for the metrics and events of settle
    const value = isError ? new TaskError(task.name, values[i] as SerializedError) : values[i];
    settle(task, !isError, value, busy[i], run[i], now);
    task.worker = null;
  }
  return { counted, runSum, busyMs };
}

/**
 * After `w` died: rejects its started tasks with `WorkerCrashedError` (or keeps them for a retry
 * when they have retries left) and returns, in order, the tasks to queue again.
 *
 * @example
 * ```ts ignore
 * for (const task of recoverTasks(worker, "exit code 1", settle).reverse()) queues.unshift(task);
 * ```
 */
export function recoverTasks(w: WorkerLink<Task>, reason: string, settle: Settle): Task[] {
  const requeue: Task[] = [];
  for (const task of w.inFlight.values()) {
    if (task.settled) continue;
    // A task that never started is safe to run elsewhere once claimed (a dying worker may still
    // be running, and checks the claim before it starts a task); one that started may have had
    // effects, so it runs again only when the caller asked for retries.
    if (w.claim(task)) requeue.push(task);
    else if (task.retriesLeft > 0) {
      task.retriesLeft--;
      requeue.push(task);
    } else settle(task, false, new WorkerCrashedError(task.name, reason));
  }
  w.inFlight.clear();
  for (const task of requeue) {
    task.worker = null;
    task.sentAt = 0;
  }
  return requeue;
}
