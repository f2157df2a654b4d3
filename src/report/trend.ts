/**
 * Trend over saved runs: is the latest run slower than the ones before it? Compares the latest
 * run (by `at`) with the average of the previous ones, for throughput, total duration and each
 * stage's duration.
 *
 * @module
 */
import type { Finding } from "./bottlenecks.ts";
import type { RunRecord } from "./run_export.ts";
import { formatMs } from "./text_format.ts";
import { assertInteger, assertNumber } from "../validate.ts";

/** Options of {@linkcode analyzeTrend}. */
export interface TrendOptions {
  /** Flag a drop when latest throughput is below this fraction of the previous average. @default {0.8} */
  dropRatio?: number;
  /** Flag a regression when a latest duration is above this multiple of the previous average. @default {1.25} */
  slowdownRatio?: number;
  /** Previous runs needed before anything is flagged. @default {1} */
  minPrevious?: number;
}

/** A stage that took longer in the latest run than on average before. */
export interface StageRegression {
  stage: string;
  latestMs: number;
  averageMs: number;
  ratio: number;
}

/** The outcome of {@linkcode analyzeTrend}; averages are over the runs before the latest. */
export interface TrendResult {
  runs: number;
  latest: { label: string; at: number; throughput: number; durationMs: number } | null;
  averageThroughput: number | null;
  throughputRatio: number | null;
  throughputDrop: boolean;
  averageDurationMs: number | null;
  durationRatio: number | null;
  durationRegression: boolean;
  stageRegressions: StageRegression[];
  findings: Finding[];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Compares the latest run with the average of the previous runs.
 *
 * @example
 * ```ts
 * import { analyzeTrend } from "./trend.ts";
 * const r = analyzeTrend([]);
 * console.log(r.throughputDrop); // false: nothing to compare
 * ```
 */
export function analyzeTrend(runs: readonly RunRecord[], options: TrendOptions = {}): TrendResult {
  const { dropRatio = 0.8, slowdownRatio = 1.25, minPrevious = 1 } = options;
  assertNumber("analyze trend", "dropRatio", dropRatio, { min: 0, max: 1 });
  assertNumber("analyze trend", "slowdownRatio", slowdownRatio, { min: 1 });
  assertInteger("analyze trend", "minPrevious", minPrevious, { min: 1 });
  const sorted = [...runs].sort((a, b) => a.at - b.at);
  const last = sorted.at(-1);
  const previous = sorted.slice(0, -1);
  const result: TrendResult = {
    runs: sorted.length,
    latest: last
      ? {
        label: last.label,
        at: last.at,
        throughput: last.snapshot.throughput.overall,
        durationMs: last.snapshot.elapsedMs,
      }
      : null,
    averageThroughput: null,
    throughputRatio: null,
    throughputDrop: false,
    averageDurationMs: null,
    durationRatio: null,
    durationRegression: false,
    stageRegressions: [],
    findings: [],
  };
  if (!last || previous.length < minPrevious) return result;
  const latest = result.latest!;
  const n = previous.length;

  const avgTp = mean(previous.map((r) => r.snapshot.throughput.overall));
  result.averageThroughput = avgTp;
  result.throughputRatio = avgTp > 0 ? latest.throughput / avgTp : null;
  if (avgTp > 0 && latest.throughput < dropRatio * avgTp) {
    result.throughputDrop = true;
    result.findings.push({
      rule: "throughput-drop",
      severity: "warning",
      message: `Run '${latest.label}' finished ${latest.throughput.toFixed(2)} tasks/s, ` +
        `${(result.throughputRatio! * 100).toFixed(1)} % of the average of the ${n} runs before ` +
        `(${avgTp.toFixed(2)} tasks/s)`,
      recommendation:
        "Compare its report with an earlier one: pool size, W/C per task and CPU saturation",
    });
  }

  const avgMs = mean(previous.map((r) => r.snapshot.elapsedMs));
  result.averageDurationMs = avgMs;
  result.durationRatio = avgMs > 0 ? latest.durationMs / avgMs : null;
  if (avgMs > 0 && latest.durationMs > slowdownRatio * avgMs) {
    result.durationRegression = true;
    result.findings.push({
      rule: "duration-regression",
      severity: "warning",
      message: `Run '${latest.label}' took ${formatMs(latest.durationMs)}, ` +
        `${result.durationRatio!.toFixed(2)}x the average of the ${n} runs before (${
          formatMs(avgMs)
        })`,
      recommendation: "Look at the stage regressions and the slowest tasks of this run",
    });
  }

  for (const st of last.snapshot.stages) {
    const before = previous.flatMap((r) => r.snapshot.stages.filter((s) => s.stage === st.stage));
    if (before.length === 0) continue;
    const averageMs = mean(before.map((s) => s.durationMs));
    if (averageMs > 0 && st.durationMs > slowdownRatio * averageMs) {
      const ratio = st.durationMs / averageMs;
      result.stageRegressions.push({ stage: st.stage, latestMs: st.durationMs, averageMs, ratio });
      result.findings.push({
        rule: "stage-regression",
        severity: "warning",
        message: `Stage '${st.stage}' took ${formatMs(st.durationMs)}, ${ratio.toFixed(2)}x its ` +
          `average before (${formatMs(averageMs)})`,
        recommendation: `Profile the tasks of stage '${st.stage}': their run time or W/C changed`,
      });
    }
  }
  return result;
}
