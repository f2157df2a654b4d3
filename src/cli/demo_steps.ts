/**
 * The demo's steps and its plain-text lines: the batch (prime counts through `map()` with
 * heavy-first weights, timed against a sequential estimate, with the scheduler's inline-or-workers
 * decision and the speed-up) and the `run()` calls with priorities (a mix of tasks queued in one
 * turn, listed in the order the scheduler sent them next to the order they were queued in).
 *
 * @module
 */
import { formatBytes } from "../report/format_bytes.ts";
import { createPool, type Pool } from "../pool.ts";
import { getProfile } from "../sizing/profiles.ts";
import { shouldParallelize } from "../sizing/sizing.ts";
import type { TaskContext } from "../../workers/task_context.ts";
import { formatMs, formatTable } from "../report/text_format.ts";

/** The tasks the demo calls; `examples/tasks.ts` is such a module. */
export interface DemoTaskModule {
  /** Counts the primes in `[from, to)`. */
  countPrimes(range: { from: number; to: number }): number;
  /** Renders an HTML page from data. */
  renderPage(page: { title: string; rows: { name: string; qty: number; price: number }[] }): string;
  /** The CRC-32 of a buffer. */
  checksum(bytes: Uint8Array): number;
  /** Waits `latencyMs` like a network call, then returns a record. */
  fetchRecord(
    request: { id: number; latencyMs: number },
    ctx: TaskContext,
  ): Promise<{ id: number; name: string; latencyMs: number }>;
}

/** Writes one line, or each line of a block. */
export type Out = (lines: string | readonly string[]) => void;

/**
 * An integer with thousands separators, the same in every locale: "348,513".
 *
 * @example
 * ```ts
 * import { grouped } from "./demo_steps.ts";
 * console.log(grouped(5000000)); // "5,000,000"
 * ```
 */
export function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `key  value  why` lines, with the keys and the values in columns, indented by two.
 *
 * @example
 * ```ts
 * import { kv } from "./demo_steps.ts";
 * console.log(kv([["max workers", "2", "the cpu profile"], ["autotune", "on"]]).join("\n"));
 * ```
 */
export function kv(rows: readonly (readonly [string, string, string?])[]): string[] {
  // Only values followed by a reason set the column: a long one standing alone would push it out.
  const w = Math.max(10, ...rows.filter((r) => r[2]).map(([, v]) => v.length));
  return rows.map(([k, v, why]) => `  ${k.padEnd(16)}  ${why ? `${v.padEnd(w)}  ${why}` : v}`);
}

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
  /** The most the speed-up could be: the workers used, capped by the effective cores (>= 1). */
  ideal: number;
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
 * import { demoBatch } from "./demo_steps.ts";
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
  // start-up cost gets its own line. Each warm-up task is the heaviest range, so the JIT is as
  // warm here as where the sequential estimate was timed.
  const t0 = performance.now();
  const heaviest = ranges.at(-1)!;
  const warmUp = Array.from({ length: o.maxWorkers }, () => heaviest);
  await pool.map("countPrimes", warmUp, { inline: false });
  const startMs = performance.now() - t0;

  const used = new Set<number>();
  const off = pool.on("taskFinished", (e) => used.add(e.workerId));
  const t1 = performance.now();
  // The warm-up measured only the heaviest range: tell map() what an average task here costs.
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
  const { speedup, ideal } = speedupOf({
    sequentialMs,
    parallelMs,
    workersUsed: used.size,
    cores: o.cores,
  });
  out(["", `batch: map() over ${batch} countPrimes ranges, heavy first`]);
  out(kv([
    ["workers started", `${pool.workerCount}`, `in ${formatMs(startMs)}, before the clock starts`],
    ["scheduler", decision],
    [
      "sequential",
      formatMs(sequentialMs),
      `estimate: ${sampled} of ${batch} tasks timed on one warm worker, scaled by weight`,
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
    ideal,
    workersUsed: used.size,
    maxWorkers: o.maxWorkers,
  };
}

/**
 * Times an evenly spread sample of the batch one task after another on a worker of its own, warm,
 * through `map()` (the transport, call path and JIT state of the batch's own workers), and scales
 * it by weight: timing the whole batch would double the demo's run time to learn little more.
 * Timed on the calling thread, and right after a token warm-up, the same tasks cost 15-60% more
 * than in a warm worker, and the speed-up divided by that came out above the ideal.
 *
 * @example
 * ```ts ignore
 * const ms = await sequentialEstimate(moduleUrl, [{ from: 0, to: 25_000 }]);
 * ```
 */
export async function sequentialEstimate(moduleUrl: string, ranges: Range[]): Promise<number> {
  const one = createPool<DemoTaskModule>(moduleUrl, {
    maxWorkers: 1,
    concurrency: 1,
    autotune: false,
  });
  try {
    // The heaviest range, so the JIT has optimised the loop before the clock starts.
    const heaviest = ranges.reduce((a, b) => (weightOf(b) > weightOf(a) ? b : a));
    await one.map("countPrimes", [heaviest], { inline: false });
    const step = Math.max(1, Math.floor(ranges.length / SAMPLE));
    const sample = ranges.filter((_, i) => i % step === 0).slice(0, SAMPLE);
    const t0 = performance.now();
    await one.map("countPrimes", sample, { inline: false });
    return scaleByWeight(performance.now() - t0, sample.map(weightOf), ranges.map(weightOf));
  } finally {
    await one.close();
  }
}

/**
 * The time of the whole batch from the time of a sample of it: `sampleMs` times the batch's
 * weight over the sample's.
 *
 * @example
 * ```ts
 * import { scaleByWeight } from "./demo_steps.ts";
 * console.log(scaleByWeight(30, [1, 2], [1, 2, 3, 4])); // 100
 * ```
 */
export function scaleByWeight(sampleMs: number, sample: number[], batch: number[]): number {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return (sampleMs * sum(batch)) / sum(sample);
}

/**
 * The speed-up of the batch and the most it could be: the sequential time over the wall time,
 * and the workers that ran it, capped by the effective cores (at least 1).
 *
 * @example
 * ```ts
 * import { speedupOf } from "./demo_steps.ts";
 * console.log(speedupOf({ sequentialMs: 900, parallelMs: 500, workersUsed: 4, cores: 2 }));
 * // { speedup: 1.8, ideal: 2 }
 * ```
 */
export function speedupOf(
  run: { sequentialMs: number; parallelMs: number; workersUsed: number; cores: number },
): { speedup: number; ideal: number } {
  return {
    speedup: run.sequentialMs / run.parallelMs,
    ideal: Math.max(1, Math.min(run.workersUsed, run.cores)),
  };
}

const MiB = 1 << 20;

function bytes(seed: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(MiB);
  for (let i = 0; i < b.length; i++) b[i] = (i * seed) & 0xff;
  return b;
}

function page(title: string): Parameters<DemoTaskModule["renderPage"]>[0] {
  const rows = Array.from({ length: 40 }, (_, i) => ({
    name: `item ${i} <${title}>`,
    qty: 1 + (i % 4),
    price: 2.5 + i,
  }));
  return { title, rows };
}

/**
 * Queues background fetches, checksums and page renders at different priorities, then an urgent
 * render last, and prints the order they left the queue in.
 *
 * @example
 * ```ts ignore
 * import { demoPriorities } from "./demo_steps.ts";
 * await demoPriorities(pool, console.log);
 * ```
 */
export async function demoPriorities(pool: Pool<DemoTaskModule>, out: Out): Promise<void> {
  const html = (h: string): string => `${grouped(h.length)} chars of HTML`;
  const calls: { name: string; priority: number; start: () => Promise<string> }[] = [
    ...[1, 2, 3].map((id) => ({
      name: "fetchRecord",
      priority: 2,
      start: () =>
        pool.run("fetchRecord", { id, latencyMs: 10 * id }, { priority: 2 })
          .then((r) => `${r.name} after ${r.latencyMs} ms`),
    })),
    ...[7, 13].map((seed) => ({
      name: "checksum",
      priority: 1,
      start: () => {
        const b = bytes(seed);
        return pool.run("checksum", b, { priority: 1, transfer: [b.buffer] })
          .then((c) => `crc32 ${c.toString(16).padStart(8, "0")} of ${formatBytes(MiB)}`);
      },
    })),
    ...["orders", "invoices"].map((title) => ({
      name: "renderPage",
      priority: 0,
      start: () => pool.run("renderPage", page(title)).then(html),
    })),
    {
      name: "renderPage",
      priority: -1,
      start: () => pool.run("renderPage", page("urgent"), { priority: -1 }).then(html),
    },
  ];

  // run() queues synchronously, so task ids map to calls by queueing order.
  const queuedAs = new Map<number, number>();
  const sent: number[] = [];
  const offQueued = pool.on("taskQueued", (e) => queuedAs.set(e.id, queuedAs.size));
  const offStarted = pool.on("taskStarted", (e) => sent.push(e.id));
  const t0 = performance.now();
  // Every call is made in this one turn, so all of them sit in the queue before the first
  // dispatch: the order they leave it in is the scheduler's, not the order of the calls.
  const results = await Promise.all(calls.map((c) => c.start()));
  const wallMs = performance.now() - t0;
  offQueued();
  offStarted();

  const rows = sent.map((id, i) => {
    const q = queuedAs.get(id)!;
    return [String(i + 1), String(q + 1), calls[q].name, String(calls[q].priority), results[q]];
  });
  out(["", `run() with priorities: ${calls.length} tasks queued at once, lower number first`]);
  const align = ["r", "r", "l", "r", "l"] as const;
  out(formatTable(["sent", "queued", "task", "priority", "result"], rows, { align }));
  out(kv([["all done in", formatMs(wallMs)]]));
}
