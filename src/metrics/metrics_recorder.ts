/**
 * The measurement side of the pool: the pool calls it when a task is queued and when it
 * finishes, and asks it for a {@linkcode MetricsSnapshot}. Memory stays bounded by the number of
 * task names, stages and live workers, never by the number of tasks. No timers: every call
 * carries the clock time.
 *
 * Recording is deferred: `taskQueued` and `taskFinished` append to a short log, and the log is
 * folded into the statistics (per-name histograms and EMAs, the rate windows, the stage and
 * worker tables) in arrival order when it fills or when anything reads them. Folding in the
 * same order with each entry's own clock time gives exactly the figures immediate recording
 * would, while the pool's hot path pays one array append per event, and the histograms, EMAs
 * and rate windows one call per fold (per name) instead of several per task.
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
 * Log entries folded at once: bounds the log's memory (a few tens of KiB) and how stale the
 * statistics are between reads, which fold first anyway.
 */
const LOG_LIMIT = 1024;

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
  // Events not yet folded, each list in arrival order. A task's name is resolved to its
  // statistics when the event comes (so which names get their own, once `maxTaskNames` is
  // reached, is decided in the order they came); its times wait for the fold.
  #queuedAt = new Float64Array(LOG_LIMIT);
  #queuedStats: TaskStats[] = [];
  #finished: FinishedTask[] = [];
  #finishedStats: TaskStats[] = [];

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
    const n = this.#queuedStats.push(this.#stats(name));
    this.#queuedAt[n - 1] = now;
    if (n >= LOG_LIMIT) this.#fold();
  }

  /**
   * Call once per task when it settles, successfully or not. A time that is not a finite number
   * throws here, at the call that brought it, rather than at a later fold.
   */
  taskFinished(task: FinishedTask): void {
    if (!Number.isFinite(task.waitMs + task.runMs + task.busyMs + task.now)) {
      const [key, value] = Object.entries(task).find(([k, v]) =>
        /Ms$|^now$/.test(k) && !Number.isFinite(v)
      )!;
      throw new RangeError(
        `Cannot record task '${task.name}' as '${key}' must be a finite number: current value is ${value}`,
      );
    }
    this.#finishedStats.push(this.#stats(task.name));
    if (this.#finished.push(task) >= LOG_LIMIT) this.#fold();
  }

  /**
   * Folds the logged events into the statistics, oldest first, and empties the log. The
   * counters and the stage and worker tables are kept here, task by task; the per-name
   * statistics and the rate windows take the samples in one call each (per name, per window), in
   * the same order.
   */
  #fold(): void {
    const queued = this.#queuedStats;
    if (queued.length > 0) {
      this.#arrivalRate.addAll(this.#queuedAt.subarray(0, queued.length));
      // Runs of one name (the usual case) count in one call.
      let run = 0;
      for (let i = 0; i < queued.length; i++) {
        run++;
        if (i + 1 === queued.length || queued[i + 1] !== queued[i]) {
          queued[i].queued(run);
          run = 0;
        }
      }
      this.#queuedStats = [];
    }
    const finished = this.#finished;
    if (finished.length === 0) return;
    const stats = this.#finishedStats;
    this.#finished = [];
    this.#finishedStats = [];
    const finishes = new Float64Array(finished.length);
    const byName = new Map<TaskStats, FinishedTask[]>();
    let last: TaskStats | undefined;
    let samples: FinishedTask[] = [];
    for (let i = 0; i < finished.length; i++) {
      const task = finished[i];
      if (stats[i] !== last) {
        last = stats[i];
        samples = byName.get(last) ?? [];
        if (samples.length === 0) byName.set(last, samples);
      }
      samples.push(task);
      finishes[i] = task.now;
      if (task.ok) this.#ok++;
      else this.#failed++;
      this.#runMs += Math.max(0, task.runMs);
      this.#busyMs += Math.max(0, task.busyMs);
      if (task.stage !== undefined) this.#addToStage(task.stage, task);
      if (task.workerId !== undefined) {
        // Keyed by the id as given (a number from the pool): no string per task.
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
    this.#finishedRate.addAll(finishes);
    for (const [s, list] of byName) s.recordAll(list);
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
    // Its logged tasks first: folded later, they would bring the retired worker back.
    this.#fold();
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
    this.#fold();
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
