/**
 * What the dashboard page receives once a second: a small, JSON-safe picture built from one
 * metrics reading and the store's copies of the recent jobs. The page keeps the history itself.
 *
 * @module
 */
import type { JobStoreApi } from "../jobs/job_backend.ts";
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";
import type { MetricsReading } from "./server_metrics.ts";
import type { ScheduleView } from "../schedules/schedules.ts";

/** One dashboard update. */
export interface DashboardSnapshot {
  at: number;
  workers: Record<"starting" | "idle" | "busy" | "retiring", number>;
  queueDepth: number;
  inFlight: number;
  capacity: number;
  cpu: number | null;
  /** Tasks finished per second over the pool's recent window. */
  throughput: number;
  jobs: { queued: number; delayed: number; running: number };
  totals: {
    submitted: number;
    retried: number;
    succeeded: number;
    failed: number;
    cancelled: number;
  };
  rejected: number;
  respawns: number;
  /** Per task: run time p50/p99 in ms over the last 60 s (null when none ran), and totals. */
  tasks: {
    name: string;
    count: number;
    failed: number;
    p50Ms: number | null;
    p99Ms: number | null;
  }[];
  decisions: { kind: string; from: number; to: number; reason: string; task?: string }[];
  sla: {
    targets: number;
    met: boolean;
    blocking: boolean;
    findings: { stage: string; level: string; message: string }[];
  } | null;
  /** Every node sharing the job queue (this process alone with the in-memory store). */
  nodes: Record<string, unknown>[];
  /**
   * Whether the job queue answers: `problem` says why not (Redis out of reach); the nodes and
   * recent jobs are then left empty rather than waited for.
   */
  queue: { reachable: boolean; problem?: string };
  recentJobs: {
    id: string;
    task: string;
    status: string;
    progress?: unknown;
    attempts: number;
    submittedAt: string;
    finishedAt?: string;
  }[];
  /** The schedules (at most `DASHBOARD_SCHEDULES`): when, the next tick, how the last run ended. */
  schedules: {
    id: string;
    task: string;
    when: string;
    paused: boolean;
    next?: string;
    last?: { at: string; status: string };
  }[];
}

/** Schedules the dashboard lists at most. */
export const DASHBOARD_SCHEDULES = 50;

const ms = (seconds: number | null): number | null => seconds === null ? null : seconds * 1000;

/**
 * Builds the dashboard's update from a reading.
 *
 * @example
 * ```ts ignore
 * import { dashboardSnapshot } from "./dashboard_snapshot.ts";
 * const update = await dashboardSnapshot(serverMetrics.read(), store, 1);
 * ```
 */
export async function dashboardSnapshot(
  r: MetricsReading,
  store: JobStoreApi,
  slaTargets: number,
  nodes: Record<string, unknown>[] = [],
  queueProblem?: string,
  schedules: readonly ScheduleView[] = [],
): Promise<DashboardSnapshot> {
  const workers = { starting: 0, idle: 0, busy: 0, retiring: 0 };
  for (const w of r.diagnostics.workers) {
    if (w.state in workers) workers[w.state as keyof typeof workers]++;
  }
  const tasks = r.pool.tasks.map((t) => {
    const run = r.times.get(t.name)?.run;
    return {
      name: t.name,
      count: t.count,
      failed: t.failed,
      p50Ms: run ? ms(run.quantile(0.5, r.at)) : null,
      p99Ms: run ? ms(run.quantile(0.99, r.at)) : null,
    };
  });
  const recentJobs = [];
  for (const id of queueProblem === undefined ? [...r.recentJobs].reverse() : []) {
    let found;
    try {
      found = await store.lookup(id);
    } catch (e) {
      if (e instanceof QueueUnavailableError) break;
      throw e;
    }
    if (found.state !== "found") continue;
    const { task, status, progress, attempts, submittedAt, finishedAt } = found.job;
    recentJobs.push({ id, task, status, progress, attempts, submittedAt, finishedAt });
  }
  let rejected = 0;
  for (const n of r.rejections.values()) rejected += n;
  return {
    at: r.at,
    workers,
    queueDepth: r.pool.pool.queueDepth,
    inFlight: r.pool.pool.inFlight,
    capacity: r.pool.pool.capacity,
    cpu: r.pool.pool.cpu,
    throughput: r.pool.throughput.recent,
    jobs: r.jobs,
    totals: r.totals,
    rejected,
    respawns: r.respawns,
    tasks,
    decisions: r.decisions.map(({ kind, from, to, reason, task }) => ({
      kind,
      from,
      to,
      reason,
      task,
    })),
    sla: r.sla && {
      targets: slaTargets,
      met: r.sla.met,
      blocking: r.sla.blocking,
      findings: [...r.sla.violations, ...r.sla.warnings].map((f) => ({
        stage: f.stage,
        level: f.level,
        message: f.message,
      })),
    },
    nodes,
    queue: queueProblem === undefined
      ? { reachable: true }
      : { reachable: false, problem: queueProblem },
    recentJobs,
    schedules: schedules.slice(0, DASHBOARD_SCHEDULES).map((s) => ({
      id: s.id,
      task: s.task,
      when: s.cron === undefined
        ? `every ${s.everyMs} ms`
        : `${s.cron}${s.timezone ? ` (${s.timezone})` : ""}`,
      paused: s.paused,
      next: s.nextRuns[0],
      last: s.lastRuns[0] && { at: s.lastRuns[0].at, status: s.lastRuns[0].status },
    })),
  };
}
