/**
 * The measurement side of the pool: the pool calls it when a task is queued and when it
 * finishes, and asks it for a {@linkcode MetricsSnapshot}. Memory stays bounded by the number of
 * task names, stages and live workers, never by the number of tasks. No timers: every call
 * carries the clock time.
 *
 * @module
 */
import { RateWindow } from "./rate_window.ts";
import { type RanIn, TaskStats } from "./task_stats.ts";
import type {
  DecisionNote,
  MetricsSnapshot,
  PoolGauges,
  StageSummary,
  WorkerSummary,
} from "./metrics_snapshot.ts";
import { assertInteger, assertNumber } from "../validate.ts";

/** One finished task, as the pool reports it to {@linkcode MetricsRecorder.taskFinished}. */
export interface FinishedTask {
  name: string;
  /** Stage (group of tasks) it belongs to, for per-stage durations and SLA checks. */
  stage?: string;
  waitMs: number;
  runMs: number;
  busyMs: number;
  resultBytes?: number;
  ok: boolean;
  /** Clock time it finished. */
  now: number;
  workerId?: string | number;
  lane?: RanIn;
}

/** Options of {@linkcode MetricsRecorder}. */
export interface MetricsRecorderOptions {
  /** Sliding window for recent throughput, in milliseconds. @default {10_000} */
  windowMs?: number;
  /** EMA weight of a new sample. @default {0.2} */
  alpha?: number;
  /** Relative error of the latency histograms. @default {0.01} */
  relativeError?: number;
  /** How many snapshots of queue depth to keep for the queue-growth rule. @default {5} */
  queueHistory?: number;
  /** How many decisions a snapshot passes through. @default {20} */
  maxDecisions?: number;
  /**
   * Distinct stage names kept at most: past it, a stage idle for `stageIdleMs` is forgotten to
   * make room, and otherwise a new name is counted under the stage `"other"`. Stage names come
   * from callers (over HTTP, from clients), so without a cap each one would be kept, and shown,
   * for the life of the process. @default {100}
   */
  maxStages?: number;
  /** A stage with no task finished for this long may be forgotten (see `maxStages`). @default {600_000} */
  stageIdleMs?: number;
  /** Distinct task names kept at most; past it new names are counted under `"other"`. @default {1000} */
  maxTaskNames?: number;
}

/** The stage or task name that new names fold into once the cap is reached. */
export const OTHER_LABEL = "other";

type Stage = Omit<StageSummary, "durationMs" | "meanTaskMs"> & { runMs: number };

/**
 * Records task outcomes and turns them into snapshots.
 *
 * @example
 * ```ts
 * import { MetricsRecorder } from "./metrics_recorder.ts";
 * const rec = new MetricsRecorder(0);
 * rec.taskQueued("parse", 0);
 * rec.taskFinished({ name: "parse", waitMs: 1, runMs: 9, busyMs: 9, ok: true, now: 10 });
 * const pool = { workers: 1, busyWorkers: 0, idleWorkers: 1, queueDepth: 0, inFlight: 0, capacity: 1 };
 * console.log(rec.snapshot(1000, pool).throughput.overall); // 1
 * ```
 */
export class MetricsRecorder {
  #startedAt: number;
  #alpha: number;
  #relativeError: number;
  #historySize: number;
  #maxDecisions: number;
  #finishedRate: RateWindow;
  #arrivalRate: RateWindow;
  #tasks = new Map<string, TaskStats>();
  #stages = new Map<string, Stage>();
  #workers = new Map<string | number, WorkerSummary>();
  #queued = 0;
  #ok = 0;
  #failed = 0;
  #runMs = 0;
  #busyMs = 0;
  #capacityMs = 0;
  #lastSnapshotAt: number;
  #lastCapacity: number | null = null;
  #queueHistory: number[] = [];
  #maxStages: number;
  #stageIdleMs: number;
  #maxTaskNames: number;

  constructor(
    startedAt: number,
    {
      windowMs = 10_000,
      alpha = 0.2,
      relativeError = 0.01,
      queueHistory = 5,
      maxDecisions = 20,
      maxStages = 100,
      stageIdleMs = 600_000,
      maxTaskNames = 1000,
    }: MetricsRecorderOptions = {},
  ) {
    assertNumber("create metrics recorder", "startedAt", startedAt);
    // Checked here too, so a bad option fails at creation rather than at the first task.
    assertNumber("create metrics recorder", "alpha", alpha, { min: 1e-9, max: 1 });
    assertNumber("create metrics recorder", "relativeError", relativeError, {
      min: 1e-4,
      max: 0.5,
    });
    assertNumber("create metrics recorder", "windowMs", windowMs, { min: 1 });
    assertInteger("create metrics recorder", "queueHistory", queueHistory, { min: 1, max: 1000 });
    assertInteger("create metrics recorder", "maxDecisions", maxDecisions, { min: 0, max: 10_000 });
    assertInteger("create metrics recorder", "maxStages", maxStages, { min: 1 });
    assertNumber("create metrics recorder", "stageIdleMs", stageIdleMs, { min: 0 });
    assertInteger("create metrics recorder", "maxTaskNames", maxTaskNames, { min: 1 });
    this.#maxStages = maxStages;
    this.#stageIdleMs = stageIdleMs;
    this.#maxTaskNames = maxTaskNames;
    this.#startedAt = startedAt;
    this.#lastSnapshotAt = startedAt;
    this.#alpha = alpha;
    this.#relativeError = relativeError;
    this.#historySize = queueHistory;
    this.#maxDecisions = maxDecisions;
    this.#finishedRate = new RateWindow(startedAt, { windowMs });
    this.#arrivalRate = new RateWindow(startedAt, { windowMs });
  }

  #stats(name: string): TaskStats {
    let s = this.#tasks.get(name);
    if (!s && this.#tasks.size >= this.#maxTaskNames) name = OTHER_LABEL;
    s ??= this.#tasks.get(name);
    if (!s) {
      s = new TaskStats(name, { alpha: this.#alpha, relativeError: this.#relativeError });
      this.#tasks.set(name, s);
    }
    return s;
  }

  /** Call when a task enters the queue (or starts inline). */
  taskQueued(name: string, now: number): void {
    this.#queued++;
    this.#stats(name).queued();
    this.#arrivalRate.add(now);
  }

  /** Call once per task when it settles, successfully or not. */
  taskFinished(task: FinishedTask): void {
    this.#stats(task.name).record(task);
    if (task.ok) this.#ok++;
    else this.#failed++;
    this.#runMs += Math.max(0, task.runMs);
    this.#busyMs += Math.max(0, task.busyMs);
    this.#finishedRate.add(task.now);
    if (task.stage !== undefined) this.#addToStage(task.stage, task);
    if (task.workerId !== undefined) {
      // Keyed by the id as given (a number from the pool): no string per task on the hot path.
      let w = this.#workers.get(task.workerId);
      if (w === undefined) {
        w = { workerId: String(task.workerId), tasks: 0, runMs: 0, busyMs: 0 };
        this.#workers.set(task.workerId, w);
      }
      w.tasks++;
      w.runMs += task.runMs;
      w.busyMs += task.busyMs;
    }
  }

  /** The name a new stage is kept under: its own while there is room, else `"other"`. */
  #stageName(name: string, now: number): string {
    if (this.#stages.size < this.#maxStages) return name;
    for (const [key, s] of this.#stages) {
      if (now - s.lastFinishAt >= this.#stageIdleMs) this.#stages.delete(key);
    }
    return this.#stages.size < this.#maxStages ? name : OTHER_LABEL;
  }

  #addToStage(stage: string, task: FinishedTask): void {
    const start = task.now - task.runMs;
    const name = this.#stages.has(stage) ? stage : this.#stageName(stage, task.now);
    const s = this.#stages.get(name);
    if (!s) {
      this.#stages.set(name, {
        stage: name,
        tasks: 1,
        ok: task.ok ? 1 : 0,
        failed: task.ok ? 0 : 1,
        firstStartAt: start,
        lastFinishAt: task.now,
        maxTaskMs: task.runMs,
        runMs: task.runMs,
      });
      return;
    }
    s.tasks++;
    if (task.ok) s.ok++;
    else s.failed++;
    s.firstStartAt = Math.min(s.firstStartAt, start);
    s.lastFinishAt = Math.max(s.lastFinishAt, task.now);
    s.maxTaskMs = Math.max(s.maxTaskMs, task.runMs);
    s.runMs += task.runMs;
  }

  /** Call when a worker exits, so the distribution check compares live workers only. */
  workerRetired(workerId: string | number): void {
    this.#workers.delete(workerId);
    this.#workers.delete(String(workerId));
  }

  /**
   * The state at `now`. Call it once per sampling interval: each call adds the pool's capacity
   * since the previous call to the utilisation denominator and one entry to the queue history.
   */
  snapshot(
    now: number,
    pool: PoolGauges,
    decisions: readonly DecisionNote[] = [],
  ): MetricsSnapshot {
    // Capacity may change between snapshots; integrate it as a step function so that a pool
    // that grew late is not charged for slots it did not have.
    const dt = Math.max(0, now - this.#lastSnapshotAt);
    this.#capacityMs += (this.#lastCapacity ?? pool.capacity) * dt;
    this.#lastCapacity = pool.capacity;
    if (now !== this.#lastSnapshotAt || this.#queueHistory.length === 0) {
      this.#queueHistory.push(pool.queueDepth);
    } else this.#queueHistory[this.#queueHistory.length - 1] = pool.queueDepth;
    if (this.#queueHistory.length > this.#historySize) this.#queueHistory.shift();
    this.#lastSnapshotAt = Math.max(this.#lastSnapshotAt, now);

    const elapsedMs = Math.max(0, now - this.#startedAt);
    const finished = this.#ok + this.#failed;
    const ratio = (x: number) => (this.#capacityMs > 0 ? Math.min(1, x / this.#capacityMs) : 0);
    return {
      at: now,
      startedAt: this.#startedAt,
      elapsedMs,
      pool: {
        workers: pool.workers,
        busyWorkers: pool.busyWorkers,
        idleWorkers: pool.idleWorkers,
        queueDepth: pool.queueDepth,
        inFlight: pool.inFlight,
        capacity: pool.capacity,
        cpu: pool.cpu ?? null,
      },
      queued: this.#queued,
      finished,
      ok: this.#ok,
      failed: this.#failed,
      runMs: this.#runMs,
      busyMs: this.#busyMs,
      successRate: finished === 0 ? null : this.#ok / finished,
      throughput: {
        windowMs: this.#finishedRate.windowMs,
        recent: this.#finishedRate.perSecond(now),
        overall: elapsedMs > 0 ? (finished * 1000) / elapsedMs : 0,
        arrivals: this.#arrivalRate.perSecond(now),
      },
      utilisation: ratio(this.#busyMs),
      occupancy: ratio(this.#runMs),
      tasks: [...this.#tasks.keys()].sort().map((k) => this.#tasks.get(k)!.summary()),
      stages: [...this.#stages.values()]
        .map(({ runMs, ...s }) => ({
          ...s,
          durationMs: s.lastFinishAt - s.firstStartAt,
          meanTaskMs: runMs / s.tasks,
        }))
        .sort((a, b) => a.firstStartAt - b.firstStartAt),
      workers: [...this.#workers.values()]
        .map((w) => ({ ...w }))
        .sort((a, b) => a.workerId.localeCompare(b.workerId, "en", { numeric: true })),
      queueHistory: [...this.#queueHistory],
      decisions: this.#maxDecisions === 0
        ? []
        : decisions.slice(-this.#maxDecisions).map((d) => ({ ...d })),
    };
  }
}
