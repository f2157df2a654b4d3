/**
 * Redis queue benchmark, in one run on the runtime it runs on, each figure the median of rounds:
 *
 * - jobs/s, Redis commands per job (`INFO commandstats`, which counts the commands inside
 *   scripts too) and bytes of Redis memory per finished job: N no-op jobs posted in batches of
 *   1,000 over HTTP (`POST /jobs/batch`) into one workloom node started from the command line
 *   (`workloom serve --queue`), timed from the first submission until the last result is
 *   recorded; beside BullMQ on the same Redis (one Worker at concurrency 1, 8 and 32, its
 *   processor inline on the main thread, `addBulk` of 1,000), and the ratio to its best;
 * - latency: submission to result with one job in flight (`POST /jobs?wait=`; BullMQ: `add` until
 *   its Worker's `completed` event), p50 and p99, beside BullMQ's at concurrency 1;
 * - scale-out: 20 ms sleep jobs (each holds its worker) through one node and through two nodes in
 *   separate processes, each capped at the same number of workers; target ≥ 1.8×.
 *
 * `--cluster` runs on a local Redis Cluster of three masters instead, the jobs/s table only (the
 * node gets the URL of one master and finds the others; BullMQ gets an ioredis Cluster and the
 * hash-tagged prefix `{bull}`; commands and memory are summed over the masters).
 *
 * `--mix <name>` (or `all`) measures job mixes instead of the no-op table, one row each, the node
 * beside BullMQ at its better of concurrency 8 and 32: `4kb` (4 KB in, 4 KB out), `timer` (1 ms
 * async jobs), `single` (one job per request from 16 clients), `priority` (half high, half low);
 * see bench/redis_mixes.ts. It combines with `--cluster`.
 *
 * Every job is accounted for: the node's results must be recorded exactly once each with none
 * failed, BullMQ's Worker must report each `completed`; a round that loses one throws.
 *
 *   deno run -A bench/redis.ts [--quick] [--cluster] [--mix <name>|all] [--jobs N] [--rounds R]
 *   bun bench/redis.ts [--quick] [--cluster] [--mix <name>|all] [--jobs N] [--rounds R]
 *
 * `--jobs` sets the no-op table's N (20,000; 2,000 with `--quick`), `--rounds` the rounds (3; 1
 * with `--quick`). Redis is started here on free ports without persistence and flushed between
 * rounds. Needs `redis-server` and `redis-cli` on the PATH and the `bullmq` dev dependency.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import {
  type BenchRedis,
  bullmqRound,
  chunks,
  medianRound,
  percentile,
  post,
  recordedAtLeast,
  repeat,
  type Round,
  runtime,
  startBenchRedis,
  startServe,
  workloomRound,
} from "./_redis_bench.ts";
import { median, startProcess } from "./_cli_server.ts";
import { MIX_NAMES, runMixes } from "./redis_mixes.ts";
import { formatTable } from "./_table.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean", default: false },
    cluster: { type: "boolean", default: false },
    mix: { type: "string" },
    jobs: { type: "string" },
    rounds: { type: "string" },
  },
});
const N = Number(flags.jobs ?? (flags.quick ? 2_000 : 20_000));
const ROUNDS = Number(flags.rounds ?? (flags.quick ? 1 : 3));
const LATENCY_SAMPLES = flags.quick ? 50 : 500;
const SCALE_JOBS = flags.quick ? 200 : 2_000;
const SCALE_WORKERS = 4;
const SLEEP_MS = 20;
const BIG = 10 * N + 1_000;
if (flags.mix !== undefined && flags.mix !== "all" && !MIX_NAMES.includes(flags.mix)) {
  throw new RangeError(
    `--mix must be all or one of ${MIX_NAMES.join(", ")}: current value is ${flags.mix}`,
  );
}

/** One round of N no-op jobs through a `serve --queue` node, in HTTP batches of 1,000. */
function noopRound(redis: BenchRedis): Promise<Round> {
  return workloomRound(redis, N, async (url) => {
    for (const batch of chunks(N, 1000, (i) => ({ task: "noop", input: i }))) {
      await post(`${url}/jobs/batch`, batch);
    }
  });
}

/** One round of BullMQ with one Worker at `concurrency`, its processor inline, `addBulk` of 1,000. */
function bullNoopRound(redis: BenchRedis, concurrency: number): Promise<Round> {
  return bullmqRound(redis, {
    count: N,
    concurrency,
    processor: (job) => Promise.resolve(job.data.i),
    async submit(queue) {
      const jobs = chunks(N, 1000, (i) => ({
        name: "noop",
        data: { i },
        opts: { removeOnComplete: true },
      }));
      for (const batch of jobs) await queue.addBulk(batch);
    },
  });
}

/** Submission to result with one job in flight, ms each. */
async function workloomLatency(redis: BenchRedis): Promise<number[]> {
  await redis.flush();
  const node = await startServe(redis.url, BIG);
  try {
    const out: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES + 10; i++) {
      const t0 = performance.now();
      const job = await post(`${node.url}/jobs?wait=30000`, { task: "noop", input: i }) as {
        status: string;
      };
      if (job.status !== "succeeded") throw new Error(`job ${i} is ${job.status}`);
      // The first ten warm up.
      if (i >= 10) out.push(performance.now() - t0);
    }
    return out;
  } finally {
    await node.stop();
  }
}

async function bullmqLatency(redis: BenchRedis): Promise<number[]> {
  await redis.flush();
  const { Queue, Worker } = await import("bullmq");
  const connection = await redis.bullConnection() as { host: string; port: number };
  const queue = new Queue("latency", { connection });
  const waiting = new Map<string, () => void>();
  const worker = new Worker("latency", (job) => Promise.resolve(job.data.i), {
    connection,
    concurrency: 1,
  });
  worker.on("completed", (job) => waiting.get(job.id!)?.());
  await worker.waitUntilReady();
  const out: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES + 10; i++) {
    const t0 = performance.now();
    const job = await queue.add("noop", { i }, { removeOnComplete: true });
    await new Promise<void>((r) => waiting.set(job.id!, r));
    waiting.delete(job.id!);
    if (i >= 10) out.push(performance.now() - t0);
  }
  await worker.close();
  await queue.close();
  return out;
}

/** jobs/s of 20 ms sleep jobs through `nodes` node processes of SCALE_WORKERS workers each. */
async function scaleRound(redis: BenchRedis, nodes: number): Promise<number> {
  await redis.flush();
  const started = await Promise.all(
    Array.from({ length: nodes }, (_, i) =>
      startProcess([
        "bench/fixtures/redis_bench_node.ts",
        redis.url,
        String(SCALE_WORKERS),
        `scale${i}`,
      ])),
  );
  try {
    const t0 = performance.now();
    const per = Math.ceil(SCALE_JOBS / nodes);
    await Promise.all(started.map(async (node, k) => {
      for (let i = k * per; i < Math.min(SCALE_JOBS, (k + 1) * per); i += 1000) {
        const n = Math.min(1000, (k + 1) * per - i, SCALE_JOBS - i);
        await post(
          `${node.url}/jobs/batch`,
          Array.from({ length: n }, () => ({ task: "sleep", input: SLEEP_MS })),
        );
      }
    }));
    await recordedAtLeast(redis.link, SCALE_JOBS);
    return SCALE_JOBS / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(started.map((n) => n.stop()));
  }
}

/** The no-op table: the node, then BullMQ at each concurrency (one that fails is left out). */
async function throughput(redis: BenchRedis): Promise<void> {
  const rows: [string, Round][] = [[
    `workloom node (serve --queue, HTTP batches)`,
    medianRound(await repeat(ROUNDS, () => noopRound(redis))),
  ]];
  for (const c of [1, 8, 32]) {
    try {
      rows.push([
        `BullMQ, concurrency ${c}`,
        medianRound(await repeat(ROUNDS, () => bullNoopRound(redis, c))),
      ]);
    } catch (e) {
      console.error(
        `BullMQ at concurrency ${c} failed on ${runtime} (${redis.kind}): ${(e as Error).message}`,
      );
    }
  }
  const bull = rows.slice(1);
  const best = bull.length ? Math.max(...bull.map(([, r]) => r.jobsPerS)) : NaN;
  const on = redis.kind === "cluster" ? "a Redis Cluster of 3 masters" : "one redis-server";
  console.log(
    `${N.toLocaleString("en-US")} no-op jobs on ${runtime}, ${on}, median of ${ROUNDS} ` +
      "round(s); ratios against BullMQ's best concurrency" +
      (redis.kind === "cluster" ? "; commands summed over the masters\n" : "\n"),
  );
  console.log(formatTable(
    ["contender", "jobs/s", "× BullMQ best", "commands/job", "bytes/finished job"],
    rows.map(([name, r]) => [
      name,
      Math.round(r.jobsPerS).toLocaleString("en-US"),
      (r.jobsPerS / best).toFixed(2),
      r.commandsPerJob.toFixed(1),
      Math.round(r.bytesPerJob).toLocaleString("en-US"),
    ]),
  ));
  const one = rows[0][1];
  console.log(
    `\ntarget: at least 2x BullMQ per node: ${one.jobsPerS / best >= 2 ? "met" : "not met"} (${
      (one.jobsPerS / best).toFixed(2)
    }x); commands per job ≤ 10: ${one.commandsPerJob <= 10 ? "met" : "not met"}`,
  );
  console.log(
    "(BullMQ removes each job on completion, its fastest setting; workloom keeps every result " +
      "for the job TTL, which its bytes per finished job count.)\n",
  );
}

/** One-in-flight latency and scale-out, on one redis-server. */
async function latencyAndScale(redis: BenchRedis): Promise<void> {
  const workloom = await workloomLatency(redis);
  let bullmq: number[] | undefined;
  try {
    bullmq = await bullmqLatency(redis);
  } catch (e) {
    console.error(`BullMQ's latency failed on ${runtime}: ${(e as Error).message}`);
  }
  const ms = (xs: number[] | undefined, p: number) =>
    xs === undefined ? "-" : percentile(xs, p).toFixed(2);
  console.log(formatTable(
    ["one job in flight, submission to result", "p50 ms", "p99 ms"],
    [
      ["workloom node (POST /jobs?wait=)", ms(workloom, 50), ms(workloom, 99)],
      ["BullMQ, concurrency 1 (add → completed)", ms(bullmq, 50), ms(bullmq, 99)],
    ],
  ));
  const one = median(await repeat(ROUNDS, () => scaleRound(redis, 1)));
  const two = median(await repeat(ROUNDS, () => scaleRound(redis, 2)));
  console.log(
    `\nscale-out: ${SCALE_JOBS} jobs of ${SLEEP_MS} ms sleep, ${SCALE_WORKERS} workers per node`,
  );
  console.log(formatTable(["nodes", "jobs/s"], [
    ["1", Math.round(one).toLocaleString("en-US")],
    ["2 (separate processes)", Math.round(two).toLocaleString("en-US")],
  ]));
  const ratio = two / one;
  console.log(
    `target: two nodes ≥ 1.8× one: ${ratio >= 1.8 ? "met" : "not met"} (${ratio.toFixed(2)}x)`,
  );
}

const redis = await startBenchRedis(flags.cluster);
try {
  if (flags.mix !== undefined) {
    const names = flags.mix === "all" ? MIX_NAMES : [flags.mix];
    await runMixes(redis, { names, quick: flags.quick, rounds: ROUNDS });
  } else {
    await throughput(redis);
    if (redis.kind === "single") await latencyAndScale(redis);
  }
} finally {
  await redis.close();
}
process.exit(0);
