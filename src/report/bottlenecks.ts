/**
 * Rule-based findings over a {@linkcode MetricsSnapshot}: each rule looks for one known way a
 * pool goes wrong and says what to change. Rules are pure and independent; thresholds are
 * options so that a caller can tune them to its workload.
 *
 * @module
 */
import type { MetricsSnapshot } from "../metrics/metrics_snapshot.ts";
import { formatMs } from "./text_format.ts";
import { assertInteger, assertNumber } from "../validate.ts";

/** How much a finding matters. */
export type Severity = "info" | "warning" | "critical";

/** One problem found, and what to do about it. */
export interface Finding {
  /** Stable rule name, e.g. "slow-stage"; see {@linkcode BOTTLENECK_RULES}. */
  rule: string;
  severity: Severity;
  message: string;
  recommendation: string;
}

/** The rules {@linkcode findBottlenecks} applies, in the order it reports them. */
export const BOTTLENECK_RULES: readonly string[] = [
  "queue-overload",
  "queue-growth",
  "cpu-saturation",
  "cpu-heavy-async",
  "slow-stage",
  "uneven-distribution",
  "under-utilisation",
];

/** Thresholds of {@linkcode findBottlenecks}. */
export interface BottleneckOptions {
  /** A stage is slow above this multiple of the mean stage duration. @default {1.5} */
  slowStageFactor?: number;
  /** Work is uneven when max/min tasks (or run time) per worker exceeds this. @default {3} */
  unevenFactor?: number;
  /** Finished tasks needed before the distribution and utilisation rules speak. @default {20} */
  minTasks?: number;
  /** Samples of a task name needed before its W/C is trusted. @default {5} */
  minSamples?: number;
  /**
   * Utilisation (workers' busy compute time over capacity) below this is under-utilisation.
   * @default {0.5}
   */
  lowUtilisation?: number;
  /** Machine CPU above this is saturation. @default {0.9} */
  cpuSaturation?: number;
  /** Snapshots of strictly rising queue depth that count as growth. @default {3} */
  queueGrowthSamples?: number;
  /** Queue depth above this multiple of the task slots is overload (the seed's 2 × workers). @default {2} */
  queueFactor?: number;
}

const order: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const x = (n: number): string => `${n.toFixed(1)}x`;
const pct = (n: number): string => `${(n * 100).toFixed(1)} %`;

/**
 * Applies every rule and returns the findings, most severe first.
 *
 * Uneven distribution, precisely: over the live workers that finished at least one task (at
 * least two of them, and `minTasks` tasks in all), it fires when the busiest worker finished
 * more than `unevenFactor` times the tasks of the least busy one, or spent more than
 * `unevenFactor` times its run time.
 *
 * @example
 * ```ts
 * import { findBottlenecks } from "./bottlenecks.ts";
 * import { MetricsRecorder } from "../metrics/metrics_recorder.ts";
 * const snap = new MetricsRecorder(0).snapshot(1000, {
 *   workers: 2, busyWorkers: 2, idleWorkers: 0, queueDepth: 9, inFlight: 2, capacity: 2 });
 * console.log(findBottlenecks(snap)[0].rule); // "queue-overload"
 * ```
 */
export function findBottlenecks(
  snapshot: MetricsSnapshot,
  options: BottleneckOptions = {},
): Finding[] {
  const o = {
    slowStageFactor: 1.5,
    unevenFactor: 3,
    minTasks: 20,
    minSamples: 5,
    lowUtilisation: 0.5,
    cpuSaturation: 0.9,
    queueGrowthSamples: 3,
    queueFactor: 2,
    ...options,
  };
  for (const k of ["slowStageFactor", "unevenFactor", "queueFactor"] as const) {
    assertNumber("find bottlenecks", k, o[k], { min: 1 });
  }
  for (const k of ["lowUtilisation", "cpuSaturation"] as const) {
    assertNumber("find bottlenecks", k, o[k], { min: 0, max: 1 });
  }
  assertInteger("find bottlenecks", "minTasks", o.minTasks);
  assertInteger("find bottlenecks", "minSamples", o.minSamples, { min: 1 });
  assertInteger("find bottlenecks", "queueGrowthSamples", o.queueGrowthSamples, { min: 2 });

  const found: Finding[] = [];
  const add = (rule: string, severity: Severity, message: string, recommendation: string) =>
    found.push({ rule, severity, message, recommendation });
  const { pool, throughput } = snapshot;

  const slots = Math.max(1, pool.capacity);
  if (pool.queueDepth > o.queueFactor * slots) {
    add(
      "queue-overload",
      "critical",
      `${pool.queueDepth} tasks are queued for ${pool.capacity} task slots (limit ${o.queueFactor} x slots)`,
      "Apply backpressure (a bounded 'maxQueue' that rejects or waits) and grow the pool if CPU allows",
    );
  }

  const recent = snapshot.queueHistory.slice(-o.queueGrowthSamples);
  if (
    recent.length === o.queueGrowthSamples && recent.every((d, i) => i === 0 || d > recent[i - 1])
  ) {
    add(
      "queue-growth",
      "warning",
      `Queue depth rose over the last ${recent.length} snapshots (${recent.join(" -> ")}); ` +
        `${throughput.arrivals.toFixed(2)} tasks/s arrive, ${
          throughput.recent.toFixed(2)
        } tasks/s finish`,
      "Tasks arrive faster than they finish: grow the pool if CPU allows, or slow the producer",
    );
  }

  if (pool.cpu !== null && pool.cpu > o.cpuSaturation) {
    add(
      "cpu-saturation",
      "warning",
      `Machine CPU is at ${pct(pool.cpu)} (limit ${pct(o.cpuSaturation)})`,
      "Do not add workers: shrink the worker lane or lower 'maxWorkers' until CPU has headroom",
    );
  }

  for (const t of snapshot.tasks) {
    const wc = t.waitComputeRatio;
    if (t.lane === "async" && t.count >= o.minSamples && wc !== null && wc < 1) {
      add(
        "cpu-heavy-async",
        "warning",
        `Task '${t.name}' runs in the async lane but is CPU-heavy (W/C ${wc.toFixed(2)} < 1)`,
        `Route '${t.name}' to the worker lane: while it computes it blocks the event loop`,
      );
    }
  }

  const stages = snapshot.stages;
  if (stages.length >= 2) {
    const mean = stages.reduce((s, st) => s + st.durationMs, 0) / stages.length;
    for (const st of stages) {
      if (mean > 0 && st.durationMs > o.slowStageFactor * mean) {
        add(
          "slow-stage",
          "warning",
          `Stage '${st.stage}' took ${formatMs(st.durationMs)}, ${x(st.durationMs / mean)} the ` +
            `mean stage (${formatMs(mean)})`,
          `Split stage '${st.stage}' into smaller tasks, start its heavy tasks first, or give it more workers`,
        );
      }
    }
  }

  const ws = snapshot.workers.filter((w) => w.tasks > 0);
  if (ws.length >= 2 && snapshot.finished >= o.minTasks) {
    const span = (f: (w: (typeof ws)[number]) => number) => {
      const v = ws.map(f);
      return { min: Math.min(...v), max: Math.max(...v) };
    };
    const n = span((w) => w.tasks);
    const t = span((w) => w.runMs);
    const taskRatio = n.max / n.min;
    const timeRatio = t.min > 0 ? t.max / t.min : 1;
    if (taskRatio > o.unevenFactor || timeRatio > o.unevenFactor) {
      add(
        "uneven-distribution",
        "warning",
        `Work is uneven across ${ws.length} workers: ${n.min}..${n.max} tasks (${x(taskRatio)}), ` +
          `${formatMs(t.min)}..${formatMs(t.max)} run time (${x(timeRatio)}); limit ${
            x(o.unevenFactor)
          }`,
        "Split long tasks so they spread, and check that dispatch picks the least-busy worker",
      );
    }
  }

  // Utilisation, not occupancy: a slot held by a task that awaits a timer or the network counts
  // as occupied while its core sits idle, so occupancy hides the waste this rule is about.
  const { utilisation } = snapshot;
  if (snapshot.finished >= o.minTasks && snapshot.elapsedMs > 0 && utilisation < o.lowUtilisation) {
    const target = Math.max(1, Math.ceil((pool.capacity * utilisation) / 0.8));
    add(
      "under-utilisation",
      "info",
      `Workers were busy computing ${pct(utilisation)} of the time (limit ${
        pct(o.lowUtilisation)
      })`,
      pool.capacity > target
        ? `Reduce the pool from ${pool.capacity} to about ${target} task slots, or submit more work at once`
        : "Submit more work at once: the pool waits for tasks",
    );
  }

  return found.sort((a, b) => order[a.severity] - order[b.severity]);
}
