/**
 * The demo's batch: prime counts through `map()` with heavy-first weights, timed against a
 * sequential estimate, with the scheduler's inline-or-workers decision and the speed-up.
 *
 * @module
 */
import type { DemoTaskModule } from "./demo.ts";
import { grouped, kv, type Out } from "./demo_lines.ts";
import { createPool, type Pool } from "./pool.ts";
import { getProfile } from "./profiles.ts";
import { shouldParallelize } from "./sizing.ts";
import { formatMs } from "./text_format.ts";

/** What the batch measured. */
export interface BatchFigures {
  /** Tasks in the batch. */
  batch: number;
  /** Estimated time of the batch run one task after another on the calling thread. */
  sequentialMs: number;
  /** Wall time of the batch through `map()`. */
  parallelMs: number;
  /** `sequentialMs / parallelMs`. */
  speedup: number;
  /** Distinct workers that ran batch tasks (0 when the scheduler ran it inline). */
  workersUsed: number;
  /** The pool's `maxWorkers`. */
  maxWorkers: number;
}

// Each task counts primes in a range this wide: 1-4 ms of trial division below 5,000,000.
const SPAN = 25_000;
// Tasks of the batch timed on the calling thread for the sequential estimate.
const SAMPLE = 20;

type Range = { from: number; to: number };

/** Trial division costs about the range's width times the square root of its end. */
function weightOf(r: Range): number {
  return (r.to - r.from) * Math.sqrt(r.to);
}

/**
 * Runs `batch` prime counts through `pool.map()`, prints the figures and returns them.
 *
 * @example
 * ```ts ignore
 * import { demoBatch } from "./demo_batch.ts";
 * const figures = await demoBatch(pool, { batch: 24, out: console.log });
 * ```
 */
export async function demoBatch(
  pool: Pool<DemoTaskModule>,
  options: { batch: number; out: Out },
): Promise<BatchFigures> {
  const { batch, out } = options;
  const o = pool.options;
  const ranges = Array.from({ length: batch }, (_, i) => ({ from: i * SPAN, to: (i + 1) * SPAN }));
  const sequentialMs = await sequentialEstimate(pool.moduleUrl, ranges);

  // Start the workers before the clock runs, so that the speed-up is about the work; the
  // start-up cost gets its own line.
  const t0 = performance.now();
  const warmUp = Array.from({ length: o.maxWorkers }, () => ({ from: 0, to: 10 }));
  await pool.map("countPrimes", warmUp, { inline: false });
  const startMs = performance.now() - t0;

  const used = new Set<number>();
  const off = pool.on("taskFinished", (e) => used.add(e.workerId));
  const t1 = performance.now();
  // The warm-up's tiny ranges are all the pool has measured: tell map() what a task here costs.
  const estimateMs = sequentialMs / batch;
  const counts = await pool.map("countPrimes", ranges, { weight: weightOf, estimateMs });
  const parallelMs = performance.now() - t1;
  off();

  const minWork = getProfile(o.workload, o.environment).minWorkEstimate;
  const work = `~${formatMs(sequentialMs)} of work`;
  const decision = shouldParallelize(batch, {
      workEstimateMs: sequentialMs,
      workload: o.workload,
      environment: o.environment,
    })
    ? `workers: ${work} >= the ${minWork} ms worth a hand-off`
    : `inline: ${work} < the ${minWork} ms worth a hand-off`;
  const where = used.size === 0
    ? "on this thread"
    : `on ${used.size} worker${used.size === 1 ? "" : "s"}`;
  const sampled = Math.min(SAMPLE, batch);
  const speedup = sequentialMs / parallelMs;
  const ideal = Math.max(1, Math.min(used.size, o.cores));
  out(["", `batch: map() over ${batch} countPrimes ranges, heavy first`]);
  out(kv([
    ["workers started", `${pool.workerCount}`, `in ${formatMs(startMs)}, before the clock starts`],
    ["scheduler", decision],
    [
      "sequential",
      formatMs(sequentialMs),
      `estimate: ${sampled} of ${batch} tasks timed on this thread, scaled by weight`,
    ],
    ["parallel", formatMs(parallelMs), `wall time of map() ${where}`],
    [
      "speed-up",
      `${speedup.toFixed(2)}x`,
      `(ideal ${ideal.toFixed(2)}x on ${o.cores} effective cores)`,
    ],
    ["primes", grouped(counts.reduce((a, b) => a + b, 0)), `below ${grouped(batch * SPAN)}`],
  ]));
  return {
    batch,
    sequentialMs,
    parallelMs,
    speedup,
    workersUsed: used.size,
    maxWorkers: o.maxWorkers,
  };
}

/**
 * Times an evenly spread sample of the batch on this thread (the pool's inline mode: the same
 * module and call path, no workers) and scales it by weight: timing the whole batch would double
 * the demo's run time to learn little more.
 */
async function sequentialEstimate(moduleUrl: string, ranges: Range[]): Promise<number> {
  const inline = createPool<DemoTaskModule>(moduleUrl, { mode: "inline", maxWorkers: 1 });
  try {
    await inline.run("countPrimes", { from: 0, to: 1000 }); // loads the module and warms the JIT
    const step = Math.max(1, Math.floor(ranges.length / SAMPLE));
    const sample = ranges.filter((_, i) => i % step === 0).slice(0, SAMPLE);
    const t0 = performance.now();
    for (const r of sample) await inline.run("countPrimes", r);
    const ms = performance.now() - t0;
    const total = ranges.reduce((s, r) => s + weightOf(r), 0);
    return (ms * total) / sample.reduce((s, r) => s + weightOf(r), 0);
  } finally {
    await inline.close();
  }
}
