/**
 * The job mixes of bench/redis.ts (`--mix <name>` or `--mix all`): shapes other than a stream of
 * no-op batches, each through a fresh `workloom serve --queue` node beside BullMQ on the same
 * Redis (one Worker, its processor inline, at concurrency 8 and 32, the better one kept), jobs/s
 * from the first submission until the last result is recorded, the median of rounds:
 *
 * - `4kb`: a 4 KB string in, the same 4 KB string out (task `echo`), in batches of 200 (a batch
 *   of 1,000 would pass the node's 1 MB body limit), BullMQ `addBulk` of 200;
 * - `timer`: 2,000 jobs that each wait 1 ms on a timer (task `timer`; BullMQ's processor awaits
 *   the same timer), in batches of 1,000;
 * - `single`: one job per request (`POST /jobs`) from 16 concurrent clients; BullMQ: `add` from
 *   16 concurrent callers;
 * - `priority`: batches of 1,000 in which every other job is of high priority (1) and the rest
 *   low (2); lower runs first in both (workloom's `priority`, BullMQ's `priority` option).
 *
 * @module
 */
import {
  type BenchRedis,
  bullmqRound,
  chunks,
  medianRound,
  post,
  repeat,
  type Round,
  runtime,
  workloomRound,
} from "./_redis_bench.ts";
import { formatTable } from "./_table.ts";

/** BullMQ's concurrencies tried in each mix; the better is reported. */
const BULL_CONCURRENCY = [8, 32];
const CLIENTS = 16;
const KB4 = "x".repeat(4096);

/** One mix: how many jobs, and how each contender submits them and runs one. */
interface Mix {
  what: string;
  count: (quick: boolean) => number;
  workloom: (url: string, count: number) => Promise<void>;
  // deno-lint-ignore no-explicit-any
  processor: (job: any) => Promise<unknown>;
  // deno-lint-ignore no-explicit-any
  bull: (queue: any, count: number) => Promise<void>;
}

async function batches(url: string, jobs: unknown[][]): Promise<void> {
  for (const batch of jobs) await post(`${url}/jobs/batch`, batch);
}

// deno-lint-ignore no-explicit-any
async function bulk(queue: any, jobs: unknown[][]): Promise<void> {
  for (const batch of jobs) await queue.addBulk(batch);
}

/** Runs `one(i)` for i in [0, count) from `CLIENTS` loops at once. */
async function concurrently(count: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < count) await one(next++);
  }));
}

const gone = { removeOnComplete: true };

const MIXES: Record<string, Mix> = {
  "4kb": {
    what: "4 KB input, 4 KB result, batches of 200",
    count: (quick) => quick ? 2_000 : 10_000,
    workloom: (url, n) => batches(url, chunks(n, 200, () => ({ task: "echo", input: KB4 }))),
    processor: (job) => Promise.resolve(job.data.s),
    bull: (queue, n) =>
      bulk(queue, chunks(n, 200, () => ({ name: "echo", data: { s: KB4 }, opts: gone }))),
  },
  timer: {
    what: "1 ms timer jobs, batches of 1,000",
    count: () => 2_000,
    workloom: (url, n) => batches(url, chunks(n, 1000, () => ({ task: "timer", input: 1 }))),
    processor: (job) => new Promise((r) => setTimeout(() => r(job.data.ms), job.data.ms)),
    bull: (queue, n) =>
      bulk(queue, chunks(n, 1000, () => ({ name: "timer", data: { ms: 1 }, opts: gone }))),
  },
  single: {
    what: `single submissions from ${CLIENTS} clients`,
    count: (quick) => quick ? 1_000 : 5_000,
    workloom: (url, n) => concurrently(n, (i) => post(`${url}/jobs`, { task: "noop", input: i })),
    processor: (job) => Promise.resolve(job.data.i),
    bull: (queue, n) => concurrently(n, (i) => queue.add("noop", { i }, gone)),
  },
  priority: {
    what: "half priority 1, half 2, batches of 1,000",
    count: (quick) => quick ? 2_000 : 10_000,
    workloom: (url, n) =>
      batches(url, chunks(n, 1000, (i) => ({ task: "noop", input: i, priority: 1 + i % 2 }))),
    processor: (job) => Promise.resolve(job.data.i),
    bull: (queue, n) =>
      bulk(
        queue,
        chunks(n, 1000, (i) => ({
          name: "noop",
          data: { i },
          opts: { ...gone, priority: 1 + i % 2 },
        })),
      ),
  },
};

/** The mixes `--mix` accepts, besides `all`. */
export const MIX_NAMES: string[] = Object.keys(MIXES);

/**
 * Measures the mixes `names` on `redis` and prints one table, a row a mix.
 *
 * @example
 * ```ts
 * const redis = await startBenchRedis(false);
 * await runMixes(redis, { names: ["timer"], quick: true, rounds: 1 });
 * await redis.close();
 * ```
 */
export async function runMixes(
  redis: BenchRedis,
  options: { names: string[]; quick: boolean; rounds: number },
): Promise<void> {
  const rows: string[][] = [];
  for (const name of options.names) {
    const mix = MIXES[name];
    const count = mix.count(options.quick);
    const ours = medianRound(
      await repeat(
        options.rounds,
        () => workloomRound(redis, count, (url) => mix.workloom(url, count)),
      ),
    );
    let best: [number, Round] | undefined;
    let why = "";
    for (const concurrency of BULL_CONCURRENCY) {
      try {
        const r = medianRound(
          await repeat(options.rounds, () =>
            bullmqRound(redis, {
              count,
              concurrency,
              processor: mix.processor,
              submit: (queue) => mix.bull(queue, count),
            })),
        );
        if (!best || r.jobsPerS > best[1].jobsPerS) best = [concurrency, r];
      } catch (e) {
        why = (e as Error).message;
        console.error(
          `BullMQ at concurrency ${concurrency}, mix ${name}, failed on ${runtime}: ${why}`,
        );
      }
    }
    const fig = (x: number | undefined) =>
      x === undefined ? "-" : Math.round(x).toLocaleString("en-US");
    rows.push([
      `${name}: ${mix.what}`,
      count.toLocaleString("en-US"),
      fig(ours.jobsPerS),
      best ? `${fig(best[1].jobsPerS)} (c${best[0]})` : "-",
      best ? (ours.jobsPerS / best[1].jobsPerS).toFixed(2) : "-",
      ours.commandsPerJob.toFixed(1),
      best ? best[1].commandsPerJob.toFixed(1) : "-",
    ]);
  }
  const on = redis.kind === "cluster" ? "a Redis Cluster of 3 masters" : "one redis-server";
  console.log(
    `job mixes on ${runtime}, ${on}, median of ${options.rounds} round(s); BullMQ at the ` +
      `better of concurrency ${BULL_CONCURRENCY.join(" and ")}\n`,
  );
  console.log(formatTable(
    [
      "mix",
      "jobs",
      "workloom jobs/s",
      "BullMQ jobs/s",
      "× BullMQ",
      "workloom commands/job",
      "BullMQ commands/job",
    ],
    rows,
  ));
}
