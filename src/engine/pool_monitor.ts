/**
 * Reading a pool's state: counters, the metrics snapshot, per-worker diagnostics, and the sample
 * the adaptive controller decides on, and the hand-off probe. Read-only: nothing here changes the
 * pool.
 *
 * @module
 */
import type { PoolSample } from "../tuning/controller.ts";
import type { Decision } from "../tuning/controller_state.ts";
import { type CpuSampler, createCpuSampler } from "../machine/cpu_usage.ts";
import type { PoolDiagnostics, WorkerDiagnostics } from "../report/diagnostics.ts";
import {
  type HandoffMode,
  type HandoffProbeOptions,
  type HandoffRow,
  probeHandoff,
} from "../report/handoff_probe.ts";
import type { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import type { MetricsSnapshot } from "../metrics/metrics_snapshot.ts";
import { runtime } from "../adapter/runtime.ts";
import type { Task } from "./task.ts";
import type { TaskSettler } from "./task_settler.ts";
import type { WorkerLink } from "../transport/worker_link.ts";
import type { WorkerSet } from "./worker_set.ts";
import type { Room } from "./backpressure.ts";
import type { LaneQueues } from "./lane_queues.ts";

/** Counters of a pool at one moment. */
export interface PoolStats {
  workers: number;
  busyWorkers: number;
  queueDepth: number;
  inFlight: number;
  concurrency: number;
  targetWorkers: number;
  completed: number;
  failed: number;
  busyMs: number;
  /**
   * Tasks that went to a worker through the shared-memory fast path (its mailbox) rather than a
   * message: a lone task with a primitive input, handed to a worker that was watching for one.
   */
  handedOff: number;
}

/** What the monitor reads: the pool's parts, as they are. */
export interface MonitoredParts {
  readonly workers: WorkerSet;
  readonly settler: TaskSettler;
  readonly recorder: MetricsRecorder;
  readonly queues: LaneQueues;
  readonly room: Room;
  /** What dispatches: counts the fast-path hand-offs. */
  readonly dispatch: { readonly handedOff: number };
  /** Effective cores of the machine share the process may use (100 % machine CPU). */
  readonly cores: number;
}

/**
 * Read-only views of a pool.
 *
 * @example
 * ```ts ignore
 * const monitor = new PoolMonitor({ workers, settler, recorder, queues, room, dispatch, cores: 4 });
 * console.log(monitor.stats().inFlight);
 * ```
 */
export class PoolMonitor {
  #cpu: CpuSampler;
  #lastCpu: number | null = null;

  constructor(readonly pool: MonitoredParts) {
    this.#cpu = createCpuSampler({ cores: pool.cores });
    this.#cpu.sample(performance.now()); // a baseline: the first snapshot covers the pool's life
  }

  /**
   * Machine CPU utilisation (0–1) since the previous snapshot (the first covers the time since
   * the pool was created), or the last reading when too little time passed to measure; null where
   * the machine allows no reading (Deno without --allow-read, say).
   */
  #machineCpu(now: number): number | null {
    const reading = this.#cpu.sample(now);
    if (reading !== undefined) this.#lastCpu = reading;
    return this.#lastCpu;
  }

  /** Tasks waiting (queued, or waiting for room with `onFull: "wait"`). */
  get queueSize(): number {
    return this.pool.queues.size + this.pool.room.waiting;
  }

  /** Counters now. */
  stats(): PoolStats {
    const p = this.pool;
    return {
      workers: p.workers.list.length,
      ...p.workers.load(),
      queueDepth: this.queueSize,
      concurrency: p.workers.concurrency,
      targetWorkers: p.workers.target,
      completed: p.settler.completed,
      failed: p.settler.failed,
      busyMs: p.settler.busyMs,
      handedOff: p.dispatch.handedOff,
    };
  }

  /** The metrics snapshot at `now`, with the controller's `decisions` (see MetricsRecorder.snapshot). */
  snapshot(now: number, decisions: readonly Decision[] = []): MetricsSnapshot {
    const s = this.stats();
    const gauges = {
      workers: s.workers,
      busyWorkers: s.busyWorkers,
      idleWorkers: s.workers - s.busyWorkers,
      queueDepth: s.queueDepth,
      inFlight: s.inFlight,
      capacity: Math.max(1, this.pool.workers.live),
      cpu: this.#machineCpu(now),
    };
    return this.pool.recorder.snapshot(now, gauges, decisions);
  }

  /** Each worker's state, current task and how long it has run, tasks done. */
  diagnostics(now: number): PoolDiagnostics {
    return {
      at: now,
      runtime: `${runtime.key} ${runtime.version}`,
      queueDepth: this.queueSize,
      inFlight: this.pool.workers.load().inFlight,
      workers: this.pool.workers.list.map((w) => workerDiagnostics(w, now)),
    };
  }

  /** What the controller decides on, without the clock, CPU reading and core count. */
  sample(now: number): Omit<PoolSample, "now" | "cpuUtilization" | "cores"> {
    const s = this.stats();
    return {
      workers: this.pool.workers.live,
      busyWorkers: s.busyWorkers,
      concurrency: s.concurrency,
      inFlight: s.inFlight,
      queueDepth: s.queueDepth,
      completed: s.completed + s.failed,
      busyMs: s.busyMs,
      tasks: taskLoads(this.snapshot(now)),
    };
  }
}

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
