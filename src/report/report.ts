/**
 * The text report of a run: configuration, pool, throughput, success rate, per-task and
 * per-stage tables with a timeline, bottlenecks, recommendations, SLA results and the
 * controller's recent decisions. Plain ASCII, fixed width, no colours: it reads the same in a
 * terminal, a log file and a CI page.
 *
 * @module
 */
import { findBottlenecks, type Finding } from "./bottlenecks.ts";
import type { MetricsSnapshot, StageSummary } from "../metrics/metrics_snapshot.ts";
import { checkSla, type SlaTarget } from "./sla.ts";
import { formatMs, formatPercent, formatTable } from "./text_format.ts";
import { assertInteger } from "../validate.ts";

/** Options of {@linkcode formatReport}. */
export interface ReportOptions {
  /** Title on the first line. @default {"run"} */
  title?: string;
  /** Configuration lines, printed as `key  value` in the given order. @default {{}} */
  config?: Record<string, string | number | boolean>;
  /** SLA targets to check the stages against. @default {[]} */
  targets?: readonly SlaTarget[];
  /** Findings to print. @default {findBottlenecks(snapshot)} */
  findings?: readonly Finding[];
  /** Width of the stage timeline bars, in characters. @default {24} */
  timelineWidth?: number;
}

const rule = "=".repeat(72);

function kv(rows: [string, string][]): string[] {
  // One key width for every section, so that the values line up down the whole report.
  const w = Math.max(12, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function bar(s: StageSummary, t0: number, span: number, width: number): string {
  const from = Math.min(width - 1, Math.floor(((s.firstStartAt - t0) / span) * width));
  const to = Math.max(from + 1, Math.ceil(((s.lastFinishAt - t0) / span) * width));
  return `|${".".repeat(from)}${"#".repeat(to - from)}${".".repeat(width - to)}|`;
}

/**
 * Formats a snapshot as a plain-text report.
 *
 * @example
 * ```ts
 * import { formatReport } from "./report.ts";
 * import { MetricsRecorder } from "../metrics/metrics_recorder.ts";
 * const rec = new MetricsRecorder(0);
 * rec.taskFinished({ name: "parse", stage: "load", waitMs: 0, runMs: 40, busyMs: 30, ok: true, now: 50 });
 * const snap = rec.snapshot(100, { workers: 1, busyWorkers: 0, idleWorkers: 1, queueDepth: 0,
 *   inFlight: 0, capacity: 1 });
 * console.log(formatReport(snap, { title: "demo", config: { runtime: "deno" } }));
 * ```
 */
export function formatReport(snapshot: MetricsSnapshot, options: ReportOptions = {}): string {
  const { title = "run", config = {}, targets = [], timelineWidth = 24 } = options;
  assertInteger("format report", "timelineWidth", timelineWidth, { min: 4, max: 200 });
  const findings = options.findings ?? findBottlenecks(snapshot);
  const s = snapshot;
  const out: string[] = [`workloom report: ${title}`, rule];

  const cfg = Object.entries(config);
  if (cfg.length > 0) out.push("Configuration", ...kv(cfg.map(([k, v]) => [k, String(v)])));

  out.push(
    "Pool",
    ...kv([
      ["workers", `${s.pool.workers} (${s.pool.busyWorkers} busy, ${s.pool.idleWorkers} idle)`],
      ["task slots", String(s.pool.capacity)],
      ["queue", `${s.pool.queueDepth} waiting, ${s.pool.inFlight} in flight`],
      ["machine CPU", formatPercent(s.pool.cpu)],
    ]),
  );

  out.push(
    "Performance",
    ...kv([
      ["elapsed", formatMs(s.elapsedMs)],
      ["tasks", `${s.finished} finished: ${s.ok} ok, ${s.failed} failed (${s.queued} queued)`],
      ["success rate", formatPercent(s.successRate)],
      [
        "throughput",
        `${s.throughput.overall.toFixed(2)} tasks/s overall, ${s.throughput.recent.toFixed(2)} ` +
        `tasks/s over the last ${formatMs(s.throughput.windowMs)}`,
      ],
      ["occupancy", `${formatPercent(s.occupancy)} (task slots held)`],
      ["utilisation", `${formatPercent(s.utilisation)} (workers busy computing)`],
    ]),
  );

  if (s.tasks.length > 0) {
    out.push(
      "Tasks",
      ...formatTable(
        ["task", "lane", "count", "failed", "run p50", "run p90", "run p99", "wait p90", "W/C"],
        s.tasks.map((t) => [
          t.name,
          t.lane ?? "-",
          String(t.count),
          String(t.failed),
          formatMs(t.run.p50),
          formatMs(t.run.p90),
          formatMs(t.run.p99),
          formatMs(t.wait.p90),
          t.waitComputeRatio === null ? "-" : t.waitComputeRatio.toFixed(2),
        ]),
        { align: ["l", "l"] },
      ),
    );
  }

  if (s.stages.length > 0) {
    const t0 = Math.min(...s.stages.map((st) => st.firstStartAt));
    const span = Math.max(1e-9, Math.max(...s.stages.map((st) => st.lastFinishAt)) - t0);
    out.push(
      "Stages",
      ...formatTable(
        ["stage", "tasks", "failed", "start", "duration", "max task", "timeline"],
        s.stages.map((st) => [
          st.stage,
          String(st.tasks),
          String(st.failed),
          `+${formatMs(st.firstStartAt - s.startedAt)}`,
          formatMs(st.durationMs),
          formatMs(st.maxTaskMs),
          bar(st, t0, span, timelineWidth),
        ]),
        { align: ["l", "r", "r", "r", "r", "r", "l"] },
      ),
    );
  }

  out.push("Bottlenecks");
  out.push(
    ...(findings.length === 0
      ? ["  none found"]
      : findings.map((f) => `  [${f.severity}] ${f.rule}: ${f.message}`)),
  );
  const recs = [...new Set(findings.map((f) => f.recommendation))];
  out.push("Recommendations", ...(recs.length === 0 ? ["  none"] : recs.map((r) => `  - ${r}`)));

  out.push("SLA");
  if (targets.length === 0) out.push("  no targets set");
  else {
    const sla = checkSla(s.stages, targets);
    out.push(
      `  ${sla.met ? "met" : sla.blocking ? "NOT MET (blocking)" : "NOT MET"}: ` +
        `${plural(sla.violations.length, "violation")}, ${plural(sla.warnings.length, "warning")}`,
    );
    for (const v of sla.violations) out.push(`  [violation] ${v.message}`);
    for (const w of sla.warnings) out.push(`  [warning] ${w.message}`);
    for (const u of sla.unmeasured) out.push(`  [not run] Stage '${u}' has no finished task`);
  }

  if (s.decisions.length > 0) {
    out.push(
      "Decisions",
      ...s.decisions.map((d) => {
        const size = d.from !== undefined && d.to !== undefined ? ` ${d.from} -> ${d.to}` : "";
        const task = d.task === undefined ? "" : ` '${d.task}'`;
        return `  +${formatMs(d.at - s.startedAt)} ${d.kind}${task}${size}: ${d.reason}`;
      }),
    );
  }
  return out.join("\n") + "\n";
}
