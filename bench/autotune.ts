/**
 * Auto-tuning benchmark: a pool created with no size at all against a sweep of fixed shapes
 * (workers 1–4 × concurrency per worker 1–256), for compute-bound, wait-bound and mixed tasks.
 * Each contender is driven with a full queue; after a warm-up, completions are counted over a
 * measurement window. It prints, per workload, the best fixed shape, the auto pool's throughput
 * as a ratio of it, and the shape the auto pool used; then an alternating load, and how many
 * monitor intervals the pool took to re-tune after each switch.
 *
 *   deno run -A bench/autotune.ts [--quick] [--json] [--alternating]
 *   bun bench/autotune.ts [--quick] [--json] [--alternating]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createPool, type Pool, type PoolOptions } from "../mod.ts";
import { formatTable } from "./_table.ts";
import { calibrate } from "./fixtures/autotune_tasks.ts";

type Tasks = typeof import("./fixtures/autotune_tasks.ts");
type Workload = "compute" | "wait" | "mixed";
const tasksUrl = new URL("./fixtures/autotune_tasks.ts", import.meta.url);

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    // Only the alternating load (skips the sweep of fixed shapes).
    alternating: { type: "boolean", default: false },
  },
});
const WARMUP_MS = flags.quick ? 1500 : 2500;
const MEASURE_MS = flags.quick ? 1000 : 2000;
const FIXED_WARMUP_MS = 400;
const WORKERS = [1, 2, 3, 4];
const CONCURRENCY = flags.quick ? [1, 16, 256] : [1, 4, 16, 64, 256];
const WORKLOADS: Workload[] = ["compute", "wait", "mixed"];
calibrate(); // warm the loop up before measuring it
const PER_MS = calibrate();
const INPUT: Record<Workload, number> = { compute: 2 * PER_MS, wait: 0, mixed: PER_MS };

interface Outcome {
  perSec: number;
  workersSeen: [number, number];
  concurrency: number;
}

/** Keeps the pool's queue full for warm-up + measure; counts completions in the window. */
async function drive(pool: Pool<Tasks>, task: Workload, warmupMs: number): Promise<Outcome> {
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + MEASURE_MS;
  let counted = 0;
  let minW = Infinity;
  let maxW = 0;
  const inFlight = new Set<Promise<unknown>>();
  const sampler = setInterval(() => {
    if (performance.now() < measureFrom) return;
    const w = pool.stats().workers;
    minW = Math.min(minW, w);
    maxW = Math.max(maxW, w);
  }, 50);
  while (performance.now() < end) {
    while (pool.queueSize < 2048 && inFlight.size < 8192) {
      const p: Promise<unknown> = pool.run(task, INPUT[task]).then(() => {
        inFlight.delete(p);
        const now = performance.now();
        if (now >= measureFrom && now < end) counted++;
      });
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  clearInterval(sampler);
  const concurrency = pool.stats().concurrency;
  await pool.closeNow();
  await Promise.allSettled(inFlight);
  return { perSec: (counted * 1000) / MEASURE_MS, workersSeen: [minW, maxW], concurrency };
}

async function fixed(task: Workload, workers: number, concurrency: number): Promise<Outcome> {
  const options: PoolOptions = {
    minWorkers: workers,
    maxWorkers: workers,
    concurrency,
    autotune: false,
    maxQueue: 4096,
  };
  return await drive(createPool<Tasks>(tasksUrl, options), task, FIXED_WARMUP_MS);
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const results: Record<string, unknown> = {};
const rows: string[][] = [];
for (const task of flags.alternating ? [] : WORKLOADS) {
  let best = { perSec: 0, shape: "" };
  for (const w of WORKERS) {
    for (const c of CONCURRENCY) {
      const o = await fixed(task, w, c);
      if (o.perSec > best.perSec) best = { perSec: o.perSec, shape: `${w}×${c}` };
    }
  }
  const pool = createPool<Tasks>(tasksUrl, { maxQueue: 4096 });
  const auto = await drive(pool, task, WARMUP_MS);
  const ratio = auto.perSec / best.perSec;
  results[task] = { best, auto, ratio, decisions: pool.decisions.map((d) => d.reason) };
  rows.push([
    task,
    `${fmt(best.perSec)} (${best.shape})`,
    fmt(auto.perSec),
    ratio.toFixed(3),
    auto.workersSeen[0] === auto.workersSeen[1]
      ? String(auto.workersSeen[0])
      : auto.workersSeen.join("–"),
    String(auto.concurrency),
  ]);
}

// Alternating load: compute, wait, compute, wait. A phase counts as re-tuned at the first
// monitor interval whose throughput reaches 95 % of what the phase settles at (the mean of its
// last second); the last decision of the phase is shown as well, since the climb may go on
// improving past that point.
async function alternate(): Promise<string[][]> {
  const pool = createPool<Tasks>(tasksUrl, { maxQueue: 4096 });
  const interval = 250;
  const phaseMs = flags.quick ? 2000 : 3000;
  const phases: Workload[] = ["compute", "wait", "compute", "wait"];
  const out: string[][] = [];
  const inFlight = new Set<Promise<unknown>>();
  for (const task of phases) {
    const switchedAt = performance.now();
    const decisionsBefore = pool.decisions.length;
    const end = switchedAt + phaseMs;
    const buckets = new Array<number>(Math.ceil(phaseMs / interval)).fill(0);
    // A shallow queue, so the load switches when the phase does and not after a backlog drains,
    // refilled on every completion rather than on a timer, so the caller never caps throughput.
    const refill = () => {
      while (performance.now() < end && pool.queueSize < 128 && inFlight.size < 8192) {
        const p: Promise<unknown> = pool.run(task, INPUT[task]).then(() => {
          inFlight.delete(p);
          const b = Math.floor((performance.now() - switchedAt) / interval);
          if (b < buckets.length) buckets[b]++;
          refill();
        });
        inFlight.add(p);
      }
    };
    refill();
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 5));
      refill();
    }
    const settled = buckets.slice(-4).reduce((a, b) => a + b, 0) / 4;
    const retuned = buckets.findIndex((n) => n >= 0.95 * settled);
    const made = pool.decisions.slice(decisionsBefore);
    const last = made.at(-1);
    // Decisions are made on monitor ticks, about one interval apart: count ticks, not time.
    const lastAt = last ? String(Math.round((last.at - switchedAt) / interval)) : "-";
    const s = pool.stats();
    out.push([
      task,
      String(retuned + 1),
      String(made.length),
      lastAt,
      `${s.workers}×${s.concurrency}`,
    ]);
  }
  await pool.closeNow();
  await Promise.allSettled(inFlight);
  return out;
}
const alternating = await alternate();

if (flags.json) {
  console.log(JSON.stringify({ results, alternating }, null, 2));
} else {
  console.log(
    `auto-tuning, ${globalThis.navigator?.hardwareConcurrency} cores; fixed shapes: workers ${
      WORKERS.join(",")
    } × concurrency ${CONCURRENCY.join(",")}`,
  );
  console.log(
    formatTable([
      "workload",
      "best fixed tasks/s (shape)",
      "auto tasks/s",
      "auto/best",
      "auto workers",
      "auto concurrency",
    ], rows),
  );
  console.log();
  console.log("alternating load (monitor interval 250 ms):");
  console.log(
    formatTable(
      [
        "phase",
        "intervals to 95 % of settled",
        "decisions",
        "last decision (tick)",
        "shape at end",
      ],
      alternating,
    ),
  );
}
process.exit(0);
