/**
 * `GET /metrics`: the job server and its pool in the Prometheus text format. Names follow
 * Prometheus conventions: the `workloom_` prefix, `_total` counters, `_seconds` histograms, and
 * the labels `task`, `state`, `reason`, `kind`, `stage`.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";
import { histogramSamples, type MetricFamily, PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { formatExposition } from "./prometheus.ts";
import type { MetricsReading, ServerMetrics } from "./server_metrics.ts";
import type { WindowHistogram } from "./window_histogram.ts";

const WORKER_STATES = ["starting", "idle", "busy", "retiring"] as const;
const QUANTILES = [0.5, 0.9, 0.99];

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, type: "gauge", help, samples: [{ value }] };
}

function labelled(
  name: string,
  type: "counter" | "gauge",
  help: string,
  label: string,
  values: Iterable<readonly [string, number]>,
): MetricFamily {
  const samples = [...values].map(([k, value]) => ({ labels: { [label]: k }, value }));
  return { name, type, help, samples };
}

function perTask(
  reading: MetricsReading,
  pick: (t: { wait: WindowHistogram; run: WindowHistogram }) => WindowHistogram,
): { histogram: MetricFamily["samples"]; recent: MetricFamily["samples"] } {
  const histogram: MetricFamily["samples"] = [];
  const recent: MetricFamily["samples"] = [];
  for (const [task, times] of [...reading.times].sort(([a], [b]) => a.localeCompare(b))) {
    const h = pick(times);
    histogram.push(...histogramSamples({ task }, h.bounds, h.counts, h.sum));
    const w = h.window(reading.at);
    for (const quantile of QUANTILES) {
      // An empty window has no quantile: NaN, as Prometheus' own summaries say it.
      const value = h.quantile(quantile, reading.at) ?? NaN;
      recent.push({ labels: { task, quantile }, value });
    }
    recent.push({ suffix: "_sum", labels: { task }, value: w.sum });
    recent.push({ suffix: "_count", labels: { task }, value: w.count });
  }
  return { histogram, recent };
}

/**
 * The metric families of one reading.
 *
 * @example
 * ```ts ignore
 * import { metricFamilies } from "./metrics_route.ts";
 * const families = metricFamilies(serverMetrics.read());
 * ```
 */
export function metricFamilies(r: MetricsReading): MetricFamily[] {
  const byState = new Map<string, number>(WORKER_STATES.map((s) => [s, 0]));
  for (const w of r.diagnostics.workers) {
    if (byState.has(w.state)) byState.set(w.state, byState.get(w.state)! + 1);
  }
  const wait = perTask(r, (t) => t.wait);
  const run = perTask(r, (t) => t.run);
  const { totals } = r;
  const families: MetricFamily[] = [
    gauge("workloom_queue_depth", "Tasks waiting in the pool's queue", r.pool.pool.queueDepth),
    gauge("workloom_tasks_in_flight", "Tasks running in the pool now", r.pool.pool.inFlight),
    gauge(
      "workloom_pool_capacity",
      "Task slots: tasks the pool may run at once",
      r.pool.pool.capacity,
    ),
    labelled("workloom_workers", "gauge", "Workers by state", "state", byState),
    labelled("workloom_jobs", "gauge", "Unfinished jobs by state", "state", Object.entries(r.jobs)),
    labelled(
      "workloom_jobs_finished_total",
      "counter",
      "Jobs that reached a final state",
      "state",
      [
        ["succeeded", totals.succeeded],
        ["failed", totals.failed],
        ["cancelled", totals.cancelled],
      ],
    ),
    {
      name: "workloom_job_submissions_total",
      type: "counter",
      help: "Jobs created",
      samples: [{ value: totals.submitted }],
    },
    labelled(
      "workloom_job_rejections_total",
      "counter",
      "Submissions refused, by the error code answered",
      "reason",
      r.rejections,
    ),
    labelled(
      "workloom_webhook_deliveries_total",
      "counter",
      "Webhook delivery attempts, by outcome: delivered, retried, failed (attempts used up), refused (address not allowed)",
      "outcome",
      r.webhooks,
    ),
    {
      name: "workloom_webhooks_in_flight",
      type: "gauge",
      help: "Webhook delivery attempts in flight on this node",
      samples: [{ value: r.webhooksInFlight }],
    },
    {
      name: "workloom_job_retries_total",
      type: "counter",
      help: "Job attempts scheduled again after a task threw or timed out",
      samples: [{ value: totals.retried }],
    },
    labelled(
      "workloom_worker_exits_total",
      "counter",
      "Workers that ended: retired by the pool, or died",
      "reason",
      Object.entries(r.workerExits),
    ),
    {
      name: "workloom_worker_respawns_total",
      type: "counter",
      help: "Workers started to replace one that died",
      samples: [{ value: r.respawns }],
    },
    labelled(
      "workloom_controller_decisions_total",
      "counter",
      "Decisions of the adaptive controller, by kind",
      "kind",
      r.decisionsByKind,
    ),
    labelled(
      "workloom_sla_violations_total",
      "counter",
      "SLA violations that began, by stage",
      "stage",
      r.slaViolations,
    ),
    labelled(
      "workloom_sla_violation",
      "gauge",
      "1 while a stage's SLA is violated",
      "stage",
      (r.sla ? [...new Set([...r.sla.violations, ...r.sla.warnings].map((f) => f.stage))] : []).map(
        (s) => [s, r.sla!.violations.some((v) => v.stage === s) ? 1 : 0] as const,
      ),
    ),
    {
      name: "workloom_tasks_finished_total",
      type: "counter",
      help: "Pool tasks finished, by task and outcome",
      samples: r.pool.tasks.flatMap((t) => [
        { labels: { task: t.name, outcome: "ok" }, value: t.ok },
        { labels: { task: t.name, outcome: "failed" }, value: t.failed },
      ]),
    },
    {
      name: "workloom_task_wait_seconds",
      type: "histogram",
      help: "Time from queueing to start, per task, since start",
      samples: wait.histogram,
    },
    {
      name: "workloom_task_run_seconds",
      type: "histogram",
      help: "Run time per task, since start",
      samples: run.histogram,
    },
    {
      name: "workloom_task_wait_recent_seconds",
      type: "summary",
      help: "Wait time per task over the last 60 s",
      samples: wait.recent,
    },
    {
      name: "workloom_task_run_recent_seconds",
      type: "summary",
      help: "Run time per task over the last 60 s",
      samples: run.recent,
    },
    gauge(
      "workloom_throughput_recent",
      "Tasks finished per second over the recent window",
      r.pool.throughput.recent,
    ),
  ];
  if (r.pool.pool.cpu !== null) {
    families.push(gauge("workloom_machine_cpu_ratio", "Machine CPU use, 0 to 1", r.pool.pool.cpu));
  }
  return families;
}

/**
 * Registers `GET /metrics`. Register it after the auth middleware: with a token, Prometheus
 * scrapes with `authorization: { credentials: <token> }`.
 *
 * @example
 * ```ts ignore
 * import { metricsRoute } from "./metrics_route.ts";
 * metricsRoute(app, serverMetrics);
 * ```
 */
export function metricsRoute(
  app: OpenAPIHono,
  metrics: ServerMetrics,
  nodes: () => Promise<Record<string, unknown>[]>,
): void {
  app.get("/metrics", async (c) => {
    // With the shared queue out of reach, this node's own series still go out: an outage is
    // when they are wanted most. Only the other nodes' series are missing.
    const shared = await nodes().catch((e) => {
      if (e instanceof QueueUnavailableError) return [];
      throw e;
    });
    const families = [...metricFamilies(metrics.read()), ...nodeFamilies(shared)];
    return c.body(formatExposition(families), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  });
}

/**
 * The nodes sharing the job queue (every node of a Redis queue, else this process), one series
 * per node labelled with its id and runtime.
 *
 * @example
 * ```ts
 * import { nodeFamilies } from "./metrics_route.ts";
 * const [workers] = nodeFamilies([{ id: "a", runtime: "deno", workers: 2, inFlight: 1 }]);
 * console.log(workers.samples[0].value); // 2
 * ```
 */
export function nodeFamilies(nodes: readonly Record<string, unknown>[]): MetricFamily[] {
  const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : NaN);
  const labels = (n: Record<string, unknown>) => ({
    node: String(n.id),
    runtime: String(n.runtime ?? "unknown"),
  });
  const beat = (n: Record<string, unknown>): number =>
    typeof n.lastHeartbeat === "string" ? Date.parse(n.lastHeartbeat) / 1000 : NaN;
  return [
    {
      name: "workloom_node_workers",
      type: "gauge",
      help: "Workers of each node sharing the job queue",
      samples: nodes.map((n) => ({ labels: labels(n), value: num(n.workers) })),
    },
    {
      name: "workloom_node_jobs_in_flight",
      type: "gauge",
      help: "Jobs each node is running now",
      samples: nodes.map((n) => ({ labels: labels(n), value: num(n.inFlight) })),
    },
    {
      name: "workloom_node_last_heartbeat_seconds",
      type: "gauge",
      help: "When each node last reported itself (Unix time)",
      samples: nodes.map((n) => ({ labels: labels(n), value: beat(n) })),
    },
  ];
}
