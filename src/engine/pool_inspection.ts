/**
 * Looking inside a running pool without changing it: per-worker diagnostics, the hand-off probe
 * against a live worker, and the per-task load the controller reads from a metrics snapshot.
 *
 * @module
 */
import type { WorkerDiagnostics } from "../report/diagnostics.ts";
import {
  type HandoffMode,
  type HandoffProbeOptions,
  type HandoffRow,
  probeHandoff,
} from "../report/handoff_probe.ts";
import type { MetricsSnapshot } from "../metrics/metrics_snapshot.ts";
import type { Task } from "./task.ts";
import type { WorkerLink } from "../transport/worker_link.ts";

/**
 * One worker's state, the task it has run longest and for how long, and tasks done.
 *
 * @example
 * ```ts ignore
 * const rows = pool.workers.map((w) => workerDiagnostics(w, performance.now()));
 * ```
 */
export function workerDiagnostics(w: WorkerLink<Task>, now: number): WorkerDiagnostics {
  let oldest: Task | undefined;
  for (const t of w.inFlight.values()) {
    if (w.started(t)) {
      oldest = t;
      break;
    }
  }
  return {
    id: w.id,
    state: w.state === "ready"
      ? (w.inFlight.size > 0 ? "busy" : "idle")
      : w.state === "dying"
      ? "exited"
      : w.state,
    currentTask: oldest?.name ?? null,
    runningMs: oldest ? now - oldest.sentAt : null,
    tasksDone: w.completed,
    // A Web Worker's heap is not visible to its parent; a child process reports its own.
    memoryBytes: w.memoryBytes,
    transport: w.transport,
    pid: w.pid,
  };
}

/**
 * Runs the hand-off probe against worker `w` (it echoes each payload back).
 *
 * @example
 * ```ts ignore
 * const rows = await probeWorkerHandoff(worker, { sizes: [1024] });
 * ```
 */
export async function probeWorkerHandoff(
  w: WorkerLink<Task>,
  options: HandoffProbeOptions,
): Promise<HandoffRow[]> {
  const send = (payload: ArrayBuffer | SharedArrayBuffer, mode: HandoffMode) =>
    new Promise<void>((resolve) => {
      w.onEcho = () => resolve();
      w.echo(payload, mode === "transfer" ? [payload as ArrayBuffer] : []);
    });
  try {
    return await probeHandoff(send, options);
  } finally {
    w.onEcho = undefined;
  }
}

/**
 * Per task name, what the controller routes by: cumulative count, and recent wait (wall time in
 * the worker minus compute) and compute time.
 *
 * @example
 * ```ts ignore
 * const tasks = taskLoads(pool.metrics());
 * ```
 */
export function taskLoads(
  snapshot: MetricsSnapshot,
): Record<string, { count: number; waitMs: number; computeMs: number }> {
  // fromEntries defines own properties: a task named `__proto__` stays an entry.
  return Object.fromEntries(snapshot.tasks.map((t) => [t.name, {
    count: t.count,
    waitMs: Math.max(0, t.recent.runMs - t.recent.busyMs),
    computeMs: t.recent.busyMs,
  }]));
}
