/**
 * What the job server counts about itself and its pool, for `GET /metrics` and the dashboard:
 * per-task wait and run histograms fed from the pool's events, worker deaths and respawns,
 * rejected submissions by reason, controller decisions by kind, SLA findings, and the jobs
 * submitted last. The pool's own snapshot (`metrics()`, `diagnostics()`) and the runner's
 * totals supply the rest when read.
 *
 * @module
 */
import type { MetricsSnapshot } from "../metrics/metrics_snapshot.ts";
import type { Pool } from "../pool.ts";
import type { PoolDiagnostics } from "../report/diagnostics.ts";
import { checkSla, type SlaResult, type SlaTarget } from "../report/sla.ts";
import type { Decision } from "../tuning/decision.ts";
import type { JobRunnerApi } from "../jobs/job_backend.ts";
import type { RunnerTotals } from "../jobs/job_runner.ts";
import { WindowHistogram } from "./window_histogram.ts";

// deno-lint-ignore no-explicit-any
type AnyPool = Pool<any>;

/** Wait and run time of one task name. */
export interface TaskTimes {
  wait: WindowHistogram;
  run: WindowHistogram;
}

/** Everything read at one moment: the source of both the exposition and the dashboard. */
export interface MetricsReading {
  /** Wall-clock time of the reading, ms. */
  at: number;
  pool: MetricsSnapshot;
  diagnostics: PoolDiagnostics;
  jobs: { queued: number; delayed: number; running: number };
  totals: RunnerTotals;
  rejections: ReadonlyMap<string, number>;
  decisionsByKind: ReadonlyMap<string, number>;
  /** The controller's latest decisions, oldest first. */
  decisions: readonly Decision[];
  workerExits: { retired: number; died: number };
  respawns: number;
  times: ReadonlyMap<string, TaskTimes>;
  sla: SlaResult | null;
  /** New SLA violations seen so far, by stage. */
  slaViolations: ReadonlyMap<string, number>;
  /** Ids of the jobs submitted last, newest last. */
  recentJobs: readonly string[];
  /** Webhook delivery attempts made by this server, by outcome. */
  webhooks: ReadonlyMap<string, number>;
  /** Webhook delivery attempts in flight on this server now. */
  webhooksInFlight: number;
}

// Exits the pool chose (retiring idle or surplus workers, closing) rather than deaths.
const PLANNED_EXIT = /^(the pool (shrank|closed)|idle for |the task module failed to load)/;
const RECENT_JOBS = 12;

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/**
 * The job server's metrics. Listens to the pool from construction until `close()`.
 *
 * @example
 * ```ts ignore
 * import { ServerMetrics } from "./server_metrics.ts";
 * const metrics = new ServerMetrics(pool, runner, { sla: [] });
 * console.log(metrics.read().jobs);
 * metrics.close();
 * ```
 */
export class ServerMetrics {
  #pool: AnyPool;
  #runner: JobRunnerApi;
  #sla: readonly SlaTarget[];
  #now: () => number;
  #times = new Map<string, TaskTimes>();
  #rejections = new Map<string, number>();
  #decisionsByKind = new Map<string, number>();
  #lastDecision: Decision | undefined;
  #exits = { retired: 0, died: 0 };
  #respawns = 0;
  #deathsToReplace = 0;
  #violated = new Set<string>();
  #slaViolations = new Map<string, number>();
  #recentJobs: string[] = [];
  #webhooks = new Map<string, number>();
  #webhooksInFlight: () => number = () => 0;
  #off: (() => void)[];

  constructor(
    pool: AnyPool,
    runner: JobRunnerApi,
    options: { sla?: readonly SlaTarget[]; now?: () => number } = {},
  ) {
    this.#pool = pool;
    this.#runner = runner;
    this.#sla = options.sla ?? [];
    this.#now = options.now ?? Date.now;
    // Validate the targets now, not at the first scrape.
    if (this.#sla.length) checkSla([], this.#sla);
    this.#off = [
      pool.on("taskFinished", (e) => {
        let t = this.#times.get(e.name);
        if (!t) {
          this.#times.set(e.name, t = { wait: new WindowHistogram(), run: new WindowHistogram() });
        }
        const now = this.#now();
        t.wait.observe(e.waitMs / 1000, now);
        t.run.observe(e.runMs / 1000, now);
      }),
      pool.on("workerExited", (e) => {
        if (PLANNED_EXIT.test(e.reason)) return void this.#exits.retired++;
        this.#exits.died++;
        this.#deathsToReplace++;
      }),
      pool.on("workerSpawned", () => {
        // A worker started after a death replaces it: that is a respawn.
        if (this.#deathsToReplace > 0) {
          this.#deathsToReplace--;
          this.#respawns++;
        }
      }),
    ];
  }

  /** Counts a refused submission under `reason` (the error code the client got). */
  rejected(reason: string): void {
    bump(this.#rejections, reason);
  }

  /** Counts a webhook delivery attempt under its outcome. */
  webhookAttempt(outcome: string): void {
    bump(this.#webhooks, outcome);
  }

  /** Where the number of webhook attempts in flight is read from. */
  webhooksInFlightFrom(read: () => number): void {
    this.#webhooksInFlight = read;
  }

  /** Remembers submitted job ids for the dashboard's list of recent jobs. */
  submitted(ids: readonly string[]): void {
    this.#recentJobs.push(...ids);
    if (this.#recentJobs.length > RECENT_JOBS) {
      this.#recentJobs.splice(0, this.#recentJobs.length - RECENT_JOBS);
    }
  }

  #countDecisions(decisions: readonly Decision[]): void {
    // The controller keeps a bounded history: count what came after the last one seen. Readings
    // further apart than that history lose the decisions that fell out of it.
    const from = this.#lastDecision ? decisions.lastIndexOf(this.#lastDecision) + 1 : 0;
    for (const d of decisions.slice(from)) bump(this.#decisionsByKind, d.kind);
    if (decisions.length) this.#lastDecision = decisions[decisions.length - 1];
  }

  #checkSla(pool: MetricsSnapshot): SlaResult | null {
    if (!this.#sla.length) return null;
    const result = checkSla(pool.stages, this.#sla);
    const now = new Set<string>();
    for (const v of result.violations) {
      const key = `${v.stage}\u0000${v.measure}`;
      now.add(key);
      // A violation counts once when it begins, not at every reading while it lasts.
      if (!this.#violated.has(key)) bump(this.#slaViolations, v.stage);
    }
    this.#violated = now;
    return result;
  }

  /** Reads everything now. */
  read(): MetricsReading {
    const decisions = this.#pool.decisions;
    this.#countDecisions(decisions);
    const pool = this.#pool.metrics();
    return {
      at: this.#now(),
      pool,
      diagnostics: this.#pool.diagnostics(),
      jobs: this.#runner.counts(),
      // A shared-queue backend counts nothing per node here: its totals read zero.
      totals: this.#runner.totals?.() ??
        { submitted: 0, retried: 0, succeeded: 0, failed: 0, cancelled: 0 },
      rejections: this.#rejections,
      decisionsByKind: this.#decisionsByKind,
      decisions: decisions.slice(-10),
      workerExits: { ...this.#exits },
      respawns: this.#respawns,
      times: this.#times,
      sla: this.#checkSla(pool),
      slaViolations: this.#slaViolations,
      recentJobs: [...this.#recentJobs],
      webhooks: this.#webhooks,
      webhooksInFlight: this.#webhooksInFlight(),
    };
  }

  /** Stops listening to the pool. */
  close(): void {
    for (const off of this.#off.splice(0)) off();
  }
}
