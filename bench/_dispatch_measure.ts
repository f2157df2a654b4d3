/**
 * The measurements of bench/dispatch.ts, knowing nothing of how they are printed: no-op
 * throughput with a window in flight, sequential round-trip latency, and CPU-bound tasks pooled
 * against the same tasks run one after another on the main thread. Each is timed with mitata.
 */
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

export async function throughput(
  c: Contender,
  config: DispatchConfig,
): Promise<{ tasksPerSec: number; tasksPerSecMedian: number }> {
  // One explicit warm-up round; mitata's measure() makes one more unmeasured call of its own.
  await pump(c, config.noopTasks, config.window);
  const stats = await measure(
    () => pump(c, config.noopTasks, config.window),
    samples(config.noopRounds),
  );
  return {
    tasksPerSec: config.noopTasks / (stats.min / 1e9),
    tasksPerSecMedian: config.noopTasks / (stats.p50 / 1e9),
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
