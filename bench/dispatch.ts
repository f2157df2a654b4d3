/**
 * Dispatch benchmark: workloom against piscina, tinypool, workerpool and poolifier, and against the
 * raw floor (the runtime's own postMessage, one message per task, no library: bench/peers/raw.ts),
 * side by side in one run, on whichever runtime runs this script, every pool with two workers.
 *
 *   deno run -A bench/dispatch.ts [--quick] [--json]
 *   bun bench/dispatch.ts [--quick] [--json]
 *
 * What it measures, per contender (one pool alive at a time, so pools never share the cores):
 * 1. no-op throughput: N no-op tasks with a sliding window of 256 in flight, in tasks/s;
 * 2. round-trip latency of one no-op task, p50 and p99 in µs, over sequential round trips;
 * 3. CPU scaling: 200 tasks that busy-spin 5 ms, pooled, against the same tasks run one after
 *    another on the main thread (speed-up = sequential time / pooled time; 2 is the ceiling);
 * 4. main-thread CPU per task: the calling thread's CPU nanoseconds over the throughput rounds,
 *    divided by their tasks (on Linux the main thread's own schedstat; elsewhere the process's
 *    CPU time, workers included, marked "(process)"): what dispatch costs the caller, and a figure
 *    a loaded machine inflates far less than wall time.
 * Throughput and speed-up print the best and the median round side by side, with each pool's
 * median throughput over the best peer's and over the raw floor's; then it states whether
 * workloom meets the targets for this runtime, the throughput ratios judged on medians.
 *
 * Figures from a busy 2-core machine are noisy: compare rows of one run, not runs.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createPool, type Pool } from "../mod.ts";
import { getRuntimeKey } from "../src/adapter/runtime.ts";
import {
  type DispatchConfig,
  latency,
  pooledMs,
  sequentialMs,
  throughput,
} from "./_dispatch_measure.ts";
import { formatTable } from "./_table.ts";
import { type Contender, peerContenders, POOL_SIZE } from "./peers/contenders.ts";
import { rawContender } from "./peers/raw.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});

const config: DispatchConfig = flags.quick
  ? {
    noopTasks: 2_000,
    window: 256,
    rounds: 1,
    noopRounds: 1,
    roundTrips: 200,
    cpuTasks: 20,
    spinMs: 5,
  }
  : {
    noopTasks: 20_000,
    window: 256,
    rounds: 3,
    noopRounds: 10,
    roundTrips: 2_000,
    cpuTasks: 200,
    spinMs: 5,
  };

// Throughput runs 10 rounds of 20,000 no-ops per contender (each a fraction of a second), CPU
// scaling 3 rounds: a pool's dispatch path needs a few hundred thousand calls before the JIT has
// compiled it, and every contender gets the same rounds.
// Throughput and CPU rounds report the best round and the median round side by side. Other
// processes on a shared machine can only make a round slower, so the best round is the closest to
// what the pool itself can do; but best-of also flatters a pool whose early rounds are slow (the
// one round it got right hides the others), so the throughput target is judged on the median.
// Latency reports percentiles instead.

// A contender that takes longer than this is reported "n/a (timed out)" instead of hanging.
const CONTENDER_LIMIT_MS = flags.quick ? 60_000 : 240_000;

// The throughput ratios are median over median (each pool's median round against the best peer's
// and the raw floor's median round); the CPU speed-up target stays on the best round, the median
// printed beside it. The targets differ by runtime: on Bun, where the raw rate is high,
// only batching passes it, and p50 is judged against the raw round trip.
const TARGETS = getRuntimeKey() === "bun"
  ? { throughputVsBestPeer: 0, throughputVsRaw: 1.5, p50Us: 0, p50VsRaw: 2, cpuSpeedup: 1.95 }
  : { throughputVsBestPeer: 10, throughputVsRaw: 2, p50Us: 5, p50VsRaw: 0, cpuSpeedup: 1.95 };

/** The raw floor's row name: it is not a peer (no library), so "best peer" leaves it out. */
const RAW = "raw postMessage";

// ---- workloom ---------------------------------------------------------------------------------

type BenchTasks = typeof import("./fixtures/bench_tasks.ts");

/**
 * workloom's own pool, sized like the peers, every other option at its default. Its default
 * queue bound holds the 256-task window; were it ever smaller, the row would read
 * "n/a (... queue is full ...)" rather than hide it.
 */
function workloomContender(): Contender {
  let pool: Pool<BenchTasks> | undefined;
  const c: Contender = {
    name: "workloom",
    async start() {
      pool = createPool<BenchTasks>(new URL("./fixtures/bench_tasks.ts", import.meta.url), {
        minWorkers: POOL_SIZE,
        maxWorkers: POOL_SIZE,
      });
      await Promise.all(Array.from({ length: POOL_SIZE }, (_, i) => c.run("noop", i)));
    },
    run: (task, input) => pool!.run(task, input),
    close: async () => await pool?.close(),
  };
  return c;
}

// ---- one contender, fenced ----------------------------------------------------------------------

interface Row {
  name: string;
  error?: string;
  tasksPerSec?: number;
  tasksPerSecMedian?: number;
  p50Us?: number;
  p99Us?: number;
  pooledMs?: number;
  pooledMsMedian?: number;
  cpuNsPerTask?: number;
  mainThreadCpu?: "thread" | "process";
}

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split("\n")[0].trim();
  return line.length > 70 ? `${line.slice(0, 67)}...` : line;
}

function timeout(ms: number, what: string): { promise: Promise<never>; cancel(): void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    id = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return { promise, cancel: () => clearTimeout(id) };
}

/** Measures one contender; any failure or hang becomes `error` so the other rows still print. */
async function evaluate(c: Contender): Promise<{ row: Row; closed: boolean }> {
  const row: Row = { name: c.name };
  const limit = timeout(CONTENDER_LIMIT_MS, "benchmark");
  try {
    await Promise.race([
      (async () => {
        await c.start();
        Object.assign(row, await throughput(c, config));
        Object.assign(row, await latency(c, config));
        Object.assign(row, await pooledMs(c, config));
      })(),
      limit.promise,
    ]);
  } catch (err) {
    row.error = reason(err);
  } finally {
    limit.cancel();
  }
  const closing = timeout(10_000, "close()");
  try {
    await Promise.race([c.close(), closing.promise]);
    return { row, closed: true };
  } catch (err) {
    row.error ??= `close failed: ${reason(err)}`;
    return { row, closed: false };
  } finally {
    closing.cancel();
  }
}

// ---- report -----------------------------------------------------------------------------------

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined
    ? "-"
    : n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function verdict(met: boolean): string {
  return met ? "MET" : "NOT MET";
}

async function main(): Promise<void> {
  const seq = await sequentialMs(config);
  const contenders = [workloomContender(), rawContender(), ...peerContenders()];
  const rows: Row[] = [];
  let allClosed = true;
  for (const c of contenders) {
    if (!flags.json) console.error(`measuring ${c.name}...`);
    const { row, closed } = await evaluate(c);
    rows.push(row);
    allClosed &&= closed;
  }

  const peers = rows.filter((r) => r.name !== "workloom" && r.name !== RAW && !r.error);
  const raw = rows.find((r) => r.name === RAW && r.error === undefined);
  const peerBest = Math.max(0, ...peers.map((r) => r.tasksPerSec!));
  const peerBestMedian = Math.max(0, ...peers.map((r) => r.tasksPerSecMedian!));
  const ratio = (value: number | undefined, peer: number): number | undefined =>
    value !== undefined && peer > 0 ? value / peer : undefined;
  const results = rows.map((r) => ({
    ...r,
    // Best round over the best peer's best round, and median over the best peer's median.
    ratioVsBestPeer: ratio(r.tasksPerSec, peerBest),
    ratioVsBestPeerMedian: ratio(r.tasksPerSecMedian, peerBestMedian),
    ratioVsRawMedian: ratio(r.tasksPerSecMedian, raw?.tasksPerSecMedian ?? 0),
    speedup: r.pooledMs !== undefined ? seq.best / r.pooledMs : undefined,
    speedupMedian: r.pooledMsMedian !== undefined ? seq.median / r.pooledMsMedian : undefined,
  }));

  const wl = results.find((r) => r.name === "workloom")!;
  const targets = wl.error !== undefined
    ? { measured: false, reason: `workloom n/a (${wl.error})` }
    : {
      measured: true,
      throughput: {
        value: wl.ratioVsBestPeerMedian,
        best: wl.ratioVsBestPeer,
        target: TARGETS.throughputVsBestPeer,
        on: "median",
      },
      throughputVsRaw: {
        value: wl.ratioVsRawMedian,
        target: TARGETS.throughputVsRaw,
        on: "median",
      },
      p50Us: { value: wl.p50Us, target: TARGETS.p50Us || undefined },
      p50VsRaw: {
        value: ratio(wl.p50Us, raw?.p50Us ?? 0),
        target: TARGETS.p50VsRaw || undefined,
      },
      mainThreadNsPerTask: { value: wl.cpuNsPerTask, read: wl.mainThreadCpu },
      cpuSpeedup: {
        value: wl.speedup,
        median: wl.speedupMedian,
        target: TARGETS.cpuSpeedup,
        on: "best",
      },
    };

  const environment = {
    runtime: getRuntimeKey(),
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    workersPerPool: POOL_SIZE,
    quick: flags.quick,
    ...config,
    sequentialMs: seq.best,
    sequentialMsMedian: seq.median,
  };

  if (flags.json) {
    console.log(JSON.stringify({ environment, results, targets }, null, 2));
  } else {
    const cpuLabel = `${config.cpuTasks}×${config.spinMs}ms speed-up`;
    console.log(
      `\nworkloom dispatch bench on ${navigator.userAgent} (${getRuntimeKey()}), ` +
        `${navigator.hardwareConcurrency} cores, ${POOL_SIZE} workers per pool${
          flags.quick ? ", --quick" : ""
        }`,
    );
    console.log(
      `no-op: ${fmt(config.noopTasks)} tasks, ${config.window} in flight; latency: ` +
        `${fmt(config.roundTrips)} sequential round trips; ${config.cpuTasks}×${config.spinMs}ms ` +
        `one after another on the main thread: ${fmt(seq.best)} ms (median ${fmt(seq.median)}); ` +
        `tasks/s: best and median of ${config.noopRounds} round(s); speed-up: best and median ` +
        `of ${config.rounds}; "vs best peer" and "vs raw" are median over the best peer's and ` +
        `over the raw postMessage floor's median\n`,
    );
    const header = [
      "contender",
      "tasks/s best",
      "tasks/s median",
      "vs best peer",
      "vs raw",
      "p50 µs",
      "p99 µs",
      "main ns/task",
      `${cpuLabel} best`,
      "median",
      "note",
    ];
    const x = (n: number | undefined): string => n === undefined ? "-" : `${fmt(n, 2)}x`;
    const body = results.map((r) =>
      r.error !== undefined
        ? [r.name, "n/a", "-", "-", "-", "-", "-", "-", "-", "-", `n/a (${r.error})`]
        : [
          r.name,
          fmt(r.tasksPerSec),
          fmt(r.tasksPerSecMedian),
          x(r.ratioVsBestPeerMedian),
          x(r.ratioVsRawMedian),
          fmt(r.p50Us, 1),
          fmt(r.p99Us, 1),
          fmt(r.cpuNsPerTask) + (r.mainThreadCpu === "process" ? " (process)" : ""),
          fmt(r.speedup, 2),
          fmt(r.speedupMedian, 2),
          "",
        ]
    );
    console.log(
      formatTable(header, body, { align: ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "l"] }),
    );
    console.log(
      "\ntargets: " +
        (wl.error !== undefined ? `not measured: workloom n/a (${wl.error})` : [
          TARGETS.throughputVsBestPeer > 0 &&
          `no-op throughput ≥ ${TARGETS.throughputVsBestPeer}x best peer (medians): ${
            verdict((wl.ratioVsBestPeerMedian ?? 0) >= TARGETS.throughputVsBestPeer)
          } (${fmt(wl.ratioVsBestPeerMedian, 2)}x; best rounds ${fmt(wl.ratioVsBestPeer, 2)}x)`,
          `no-op throughput ≥ ${TARGETS.throughputVsRaw}x raw postMessage (medians): ${
            verdict((wl.ratioVsRawMedian ?? 0) >= TARGETS.throughputVsRaw)
          } (${fmt(wl.ratioVsRawMedian, 2)}x)`,
          TARGETS.p50Us > 0 &&
          `p50 ≤ ${TARGETS.p50Us} µs: ${verdict(wl.p50Us! <= TARGETS.p50Us)} (${
            fmt(wl.p50Us, 1)
          } µs)`,
          TARGETS.p50VsRaw > 0 &&
          `p50 ≤ ${TARGETS.p50VsRaw}x raw round trip: ${
            verdict(raw !== undefined && wl.p50Us! <= TARGETS.p50VsRaw * raw.p50Us!)
          } (${fmt(wl.p50Us, 1)} µs; raw ${fmt(raw?.p50Us, 1)} µs)`,
          `CPU speed-up ≥ ${TARGETS.cpuSpeedup} (best round): ${
            verdict(wl.speedup! >= TARGETS.cpuSpeedup)
          } (${fmt(wl.speedup, 3)}; median ${fmt(wl.speedupMedian, 3)})`,
          `main-thread CPU per task: ${fmt(wl.cpuNsPerTask)} ns (${wl.mainThreadCpu})`,
        ].filter(Boolean).join("; ")),
    );
  }

  // A pool that would not close keeps its threads, and the process with them: leave anyway.
  if (!allClosed) {
    console.error("some pool did not close; exiting explicitly");
    process.exit(0);
  }
}

await main();
