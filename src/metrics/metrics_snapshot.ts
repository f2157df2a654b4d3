/**
 * The plain-data picture of a pool at one moment, made by `MetricsRecorder.snapshot()` and read
 * by the SLA check, the bottleneck rules, the text report and the JSON export. Every field is
 * JSON-safe: no `Infinity`, no `NaN`, no `undefined` (unknowns are `null`).
 *
 * @module
 */
import type { TaskSummary } from "./task_stats.ts";

/** What the pool reports about itself when a snapshot is taken. */
export interface PoolGauges {
  /** Live workers (starting, idle or busy). */
  workers: number;
  busyWorkers: number;
  idleWorkers: number;
  /** Tasks waiting in the queue. */
  queueDepth: number;
  /** Tasks running now. */
  inFlight: number;
  /** Task slots: how many tasks may run at once (workers × tasks per worker, plus async lane). */
  capacity: number;
  /** Machine CPU utilisation 0–1 over the last interval, when the pool could measure it. */
  cpu?: number | null;
}

/**
 * A scaling or routing decision the controller made, passed through to the report. The
 * controller's own `Decision` records fit this shape as they are.
 */
export interface DecisionNote {
  /** Clock time of the decision (same clock as the recorder). */
  at: number;
  /** What was done, e.g. "scale-up", "scale-down", "route". */
  kind: string;
  /** Why, in words. */
  reason: string;
  /** Value before (a worker count, a concurrency), when there is one. */
  from?: number;
  /** Value after. */
  to?: number;
  /** The task name, for routing decisions. */
  task?: string;
}

/** A named group of tasks. Its duration runs from the first task's start to the last finish. */
export interface StageSummary {
  stage: string;
  tasks: number;
  ok: number;
  failed: number;
  /** Clock time the first of its tasks started running. */
  firstStartAt: number;
  /** Clock time the last of its tasks finished. */
  lastFinishAt: number;
  /** `lastFinishAt − firstStartAt`. */
  durationMs: number;
  /** Longest single task run time. */
  maxTaskMs: number;
  /** Mean task run time. */
  meanTaskMs: number;
}

/** How much work one worker has done, to check that work is spread evenly. */
export interface WorkerSummary {
  workerId: string;
  tasks: number;
  runMs: number;
  busyMs: number;
}

/** Everything the recorder knows at `at`. */
export interface MetricsSnapshot {
  /** Clock time of the snapshot. */
  at: number;
  /** Clock time the recorder was created. */
  startedAt: number;
  elapsedMs: number;
  /** The gauges as reported, with `cpu` null when unknown. */
  pool: Required<Omit<PoolGauges, "cpu">> & { cpu: number | null };
  queued: number;
  finished: number;
  ok: number;
  failed: number;
  /** Total task run time (wall) and worker busy time (compute) of finished tasks, ms. */
  runMs: number;
  busyMs: number;
  /** `ok / finished`; `null` before any task finished. */
  successRate: number | null;
  /** Tasks finished per second: over the sliding window, and over the whole run. */
  throughput: { windowMs: number; recent: number; overall: number; arrivals: number };
  /** Worker busy (CPU) time ÷ (capacity × elapsed), 0–1. */
  utilisation: number;
  /** Task run time ÷ (capacity × elapsed), 0–1: how much of the time the slots were held. */
  occupancy: number;
  /** Per task name, sorted by name. */
  tasks: TaskSummary[];
  /** Per stage, in order of first start. */
  stages: StageSummary[];
  /** Per live worker, sorted by id. */
  workers: WorkerSummary[];
  /** Queue depth at the last few snapshots, oldest first, this one last. */
  queueHistory: number[];
  /** The most recent decisions, oldest first. */
  decisions: DecisionNote[];
}

export type { TaskSummary };
