/**
 * Reading a pool's state: counters, the metrics snapshot, per-worker diagnostics, and the sample
 * the adaptive controller decides on. Read-only: nothing here changes the pool.
 *
 * @module
 */
import type { PoolSample } from "../tuning/controller.ts";
import type { Decision } from "../tuning/controller_state.ts";
import { type CpuSampler, createCpuSampler } from "../machine/cpu_usage.ts";
import type { PoolDiagnostics } from "../report/diagnostics.ts";
import type { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import type { MetricsSnapshot } from "../metrics/metrics_snapshot.ts";
import { taskLoads, workerDiagnostics } from "./pool_inspection.ts";
import { runtime } from "../adapter/runtime.ts";
import type { TaskSettler } from "./task_settler.ts";
import type { WorkerSet } from "./worker_set.ts";

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

/** What the monitor reads. */
export interface MonitoredPool {
  readonly workers: WorkerSet;
  readonly settler: TaskSettler;
  readonly recorder: MetricsRecorder;
  /** Effective cores of the machine share the process may use (100 % machine CPU). */
  readonly cores: number;
  queueSize(): number;
  concurrency(): number;
  targetWorkers(): number;
  busyMs(): number;
  handedOff(): number;
  decisions(): readonly Decision[];
}

/**
 * Read-only views of a pool.
 *
 * @example
 * ```ts ignore
 * const monitor = new PoolMonitor(view);
 * console.log(monitor.stats().inFlight);
 * ```
 */
export class PoolMonitor {
  #cpu: CpuSampler;
  #lastCpu: number | null = null;

  constructor(readonly pool: MonitoredPool) {
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

  /** Counters now. */
  stats(): PoolStats {
    const p = this.pool;
    return {
      workers: p.workers.list.length,
      ...p.workers.load(),
      queueDepth: p.queueSize(),
      concurrency: p.concurrency(),
      targetWorkers: p.targetWorkers(),
      completed: p.settler.completed,
      failed: p.settler.failed,
      busyMs: p.busyMs(),
      handedOff: p.handedOff(),
    };
  }

  /** The metrics snapshot at `now` (see MetricsRecorder.snapshot). */
  snapshot(now: number): MetricsSnapshot {
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
    return this.pool.recorder.snapshot(now, gauges, this.pool.decisions());
  }

  /** Each worker's state, current task and how long it has run, tasks done. */
  diagnostics(now: number): PoolDiagnostics {
    return {
      at: now,
      runtime: `${runtime.key} ${runtime.version}`,
      queueDepth: this.pool.queueSize(),
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
