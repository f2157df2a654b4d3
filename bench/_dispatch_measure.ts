/**
 * The measurements of bench/dispatch.ts, knowing nothing of how they are printed: no-op
 * throughput with a window in flight, sequential round-trip latency, and CPU-bound tasks pooled
 * against the same tasks run one after another on the main thread. Each is timed with mitata.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { measure } from "mitata";
import { spin } from "./fixtures/bench_tasks.ts";
import type { Contender } from "./peers/contenders.ts";

/** How much of each measurement to take. */
export interface DispatchConfig {
  noopTasks: number;
  window: number;
  rounds: number;
  noopRounds: number;
  roundTrips: number;
  cpuTasks: number;
  spinMs: number;
}

/** The subset of mitata's measure() options used here (mitata does not export the type). */
interface MeasureOptions {
  min_samples: number;
  max_samples: number;
  min_cpu_time: number;
  batch_threshold: number;
  warmup_samples: number;
  gc: boolean;
}

/** mitata options shared by every measurement: a fixed sample count, no time budget. */
function samples(count: number): MeasureOptions {
  return {
    min_samples: count,
    max_samples: count,
    min_cpu_time: 0,
    // mitata batches any call under 65 µs into 4,096-call samples and records their mean, so its
    // "p50" would be a median of means (close to the mean, blind to the tail). A threshold below
    // zero keeps one call per sample: p50 and p99 are then true per-round-trip percentiles, timed
    // with mitata's clock (Bun.nanoseconds, or performance.now, ticking under 0.1 µs on both).
    batch_threshold: -1,
    warmup_samples: 0,
    // Without an exposed gc mitata "collects" by allocating 1 GiB; the workers have their own
    // heaps anyway, so a main-thread gc buys nothing here.
    gc: false,
  };
}

/** Sends `total` no-ops keeping `window` of them in flight: each lane sends its next on reply. */
async function pump(c: Contender, total: number, window: number): Promise<void> {
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < total) await c.run("noop", sent++);
  };
  await Promise.all(Array.from({ length: Math.min(window, total) }, lane));
}

// The main thread's own CPU time: on Linux its schedstat (nanoseconds on a CPU, this thread
// alone; the main thread's id is the process id). Elsewhere the process's CPU time, which counts
// the workers' threads too: `mainThreadCpu` says which one was read.
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

function threadCpuNs(): number | undefined {
  try {
    return Number(readFileSync(SCHEDSTAT, "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}

/** CPU nanoseconds so far: the main thread's where the system tells, else the process's. */
function cpuNow(): { ns: number; thread: boolean } {
  const ns = threadCpuNs();
  if (ns !== undefined) return { ns, thread: true };
  const { user, system } = process.cpuUsage();
  return { ns: (user + system) * 1000, thread: false };
}

/**
 * No-op throughput, and the main thread's CPU nanoseconds per task over the same rounds: what
 * the pool costs the caller's thread, which a loaded machine inflates far less than wall time.
 */
export async function throughput(
  c: Contender,
  config: DispatchConfig,
): Promise<
  {
    tasksPerSec: number;
    tasksPerSecMedian: number;
    cpuNsPerTask: number;
    mainThreadCpu: "thread" | "process";
  }
> {
  // One explicit warm-up round; mitata's measure() makes one more unmeasured call of its own.
  await pump(c, config.noopTasks, config.window);
  let rounds = 0; // counted, not assumed: measure() makes calls of its own besides the samples
  const before = cpuNow();
  const stats = await measure(
    () => (rounds++, pump(c, config.noopTasks, config.window)),
    samples(config.noopRounds),
  );
  const after = cpuNow();
  const tasks = config.noopTasks * rounds;
  return {
    tasksPerSec: config.noopTasks / (stats.min / 1e9),
    tasksPerSecMedian: config.noopTasks / (stats.p50 / 1e9),
    cpuNsPerTask: (after.ns - before.ns) / tasks,
    mainThreadCpu: after.thread ? "thread" : "process",
  };
}

export async function latency(
  c: Contender,
  config: DispatchConfig,
): Promise<{ p50Us: number; p99Us: number }> {
  for (let i = 0; i < config.roundTrips / 10; i++) await c.run("noop", i);
  const stats = await measure(() => c.run("noop", 0), samples(config.roundTrips));
  return { p50Us: stats.p50 / 1e3, p99Us: stats.p99 / 1e3 };
}

/** Wall time of `cpuTasks` spins one after another on the main thread: best and median round. */
export async function sequentialMs(
  config: DispatchConfig,
): Promise<{ best: number; median: number }> {
  const stats = await measure(() => {
    for (let i = 0; i < config.cpuTasks; i++) spin(config.spinMs);
  }, samples(config.rounds));
  return { best: stats.min / 1e6, median: stats.p50 / 1e6 };
}

/** Wall time of the same spins handed to the pool all at once (mitata's first call warms up). */
export async function pooledMs(
  c: Contender,
  config: DispatchConfig,
): Promise<{ pooledMs: number; pooledMsMedian: number }> {
  const stats = await measure(
    () => Promise.all(Array.from({ length: config.cpuTasks }, () => c.run("spin", config.spinMs))),
    samples(config.rounds),
  );
  return { pooledMs: stats.min / 1e6, pooledMsMedian: stats.p50 / 1e6 };
}
