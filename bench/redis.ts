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
 *   deno run -A bench/redis.ts [--quick] [--jobs N] [--rounds R]
 *   bun bench/redis.ts [--quick] [--jobs N] [--rounds R]
 *
 * The redis-server is started here on a free port without persistence and flushed between
 * rounds. Needs `redis-server` on the PATH and the `bullmq` dev dependency.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { parseArgs } from "node:util";
import { getRuntimeKey } from "../src/adapter/runtime.ts";
import type { RedisLink } from "../redis.ts";
import { startRedis } from "../tests/redis/redis_server.ts";
import { formatTable } from "./_table.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean", default: false },
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
const root = decodeURIComponent(new URL("..", import.meta.url).pathname);
const runtime = getRuntimeKey();
const BIG = String(10 * N + 1_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Redis commands run so far, in all, but INFO (this script's own reads). */
async function commands(link: RedisLink): Promise<number> {
  const text = String(await link.send(["INFO", "commandstats"]));
  let sum = 0;
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== "info") sum += Number(m[2]);
  }
  return sum;
}

async function usedMemory(link: RedisLink): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(String(await link.send(["INFO", "memory"])))![1]);
}

/** A process of this runtime running `args` (a script and its arguments), ready once it listens. */
async function startProcess(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const argv = runtime === "deno" ? ["run", "-A", "--no-check", ...args] : args;
  const child: ChildProcess = spawn(process.execPath, argv, {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /listening at (http:\/\/\S+)/.exec(out)?.[1];
    if (url) return { url, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the node did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `workloom serve --queue` on this runtime. */
function startServe(redisUrl: string) {
  return startProcess([
    "src/cli/cli.ts",
    "serve",
    "--tasks",
    "bench/fixtures/bench_tasks.ts",
    "--queue",
    redisUrl,
    "--port",
    "0",
    "--isolation",
    "thread",
    ...["--max-queue", BIG, "--max-jobs", BIG, "--max-queue-per-key", BIG],
    ...["--max-queue-per-client", BIG],
  ]);
}

async function post(url: string, body: unknown): Promise<unknown> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  if (r.status >= 300) throw new Error(`${url}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

async function recordedAtLeast(link: RedisLink, count: number): Promise<number> {
  let polls = 0;
  while (Number(await link.send(["GET", "{workloom}:recorded"]) ?? 0) < count) {
    polls++;
    await new Promise((r) => setTimeout(r, 2));
  }
  return polls + 1;
}

interface Round {
  jobsPerS: number;
  commandsPerJob: number;
  bytesPerJob: number;
}

/** One round of N no-op jobs through a `serve --queue` node, over HTTP. */
async function workloomRound(redisUrl: string, link: RedisLink): Promise<Round> {
  await link.send(["FLUSHALL"]);
  const node = await startServe(redisUrl);
  try {
    const c0 = await commands(link);
    const m0 = await usedMemory(link);
    const t0 = performance.now();
    for (let i = 0; i < N; i += 1000) {
      const batch = Array.from(
        { length: Math.min(1000, N - i) },
        (_, j) => ({ task: "noop", input: i + j }),
      );
      await post(`${node.url}/jobs/batch`, batch);
    }
    const polls = await recordedAtLeast(link, N);
    const s = (performance.now() - t0) / 1000;
    const c1 = await commands(link);
    const m1 = await usedMemory(link);
    return { jobsPerS: N / s, commandsPerJob: (c1 - c0 - polls) / N, bytesPerJob: (m1 - m0) / N };
  } finally {
    await node.stop();
  }
}

/** One round of BullMQ with one Worker at `concurrency`, its processor inline. */
async function bullmqRound(port: number, link: RedisLink, concurrency: number): Promise<Round> {
  await link.send(["FLUSHALL"]);
  const { Queue, Worker } = await import("bullmq");
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = `bull${concurrency}`;
  const queue = new Queue(name, { connection });
  let done = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((r) => (finished = r));
  const worker = new Worker(name, (job) => Promise.resolve(job.data.i), {
    connection,
    concurrency,
  });
  worker.on("completed", () => ++done === N && finished());
  await worker.waitUntilReady();
  await queue.waitUntilReady();
  const c0 = await commands(link);
  const m0 = await usedMemory(link);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
        name: "noop",
        data: { i: i + j },
        opts: { removeOnComplete: true },
      })),
    );
  }
  await all;
  const s = (performance.now() - t0) / 1000;
  const c1 = await commands(link);
  const m1 = await usedMemory(link);
  await worker.close();
  await queue.close();
  return { jobsPerS: N / s, commandsPerJob: (c1 - c0) / N, bytesPerJob: (m1 - m0) / N };
}

/** Submission to result with one job in flight, ms each. */
async function workloomLatency(redisUrl: string, link: RedisLink): Promise<number[]> {
  await link.send(["FLUSHALL"]);
  const node = await startServe(redisUrl);
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

async function bullmqLatency(port: number, link: RedisLink): Promise<number[]> {
  await link.send(["FLUSHALL"]);
  const { Queue, Worker } = await import("bullmq");
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
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
async function scaleRound(redisUrl: string, link: RedisLink, nodes: number): Promise<number> {
  await link.send(["FLUSHALL"]);
  const started = await Promise.all(
    Array.from({ length: nodes }, (_, i) =>
      startProcess([
        "bench/fixtures/redis_bench_node.ts",
        redisUrl,
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
    await recordedAtLeast(link, SCALE_JOBS);
    return SCALE_JOBS / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(started.map((n) => n.stop()));
  }
}

function medianRound(rounds: Round[]): Round {
  return {
    jobsPerS: median(rounds.map((r) => r.jobsPerS)),
    commandsPerJob: median(rounds.map((r) => r.commandsPerJob)),
    bytesPerJob: median(rounds.map((r) => r.bytesPerJob)),
  };
}

async function rounds<T>(f: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ROUNDS; i++) out.push(await f());
  return out;
}

const redis = await startRedis();
const link = await redis.link();
const rows: [string, Round][] = [];
let latency: { workloom: number[]; bullmq?: number[] };
const scale: { one: number; two: number } = { one: NaN, two: NaN };
try {
  rows.push([
    `workloom node (serve --queue, HTTP batches)`,
    medianRound(await rounds(() => workloomRound(redis.url, link))),
  ]);
  for (const c of [1, 8, 32]) {
    try {
      rows.push([
        `BullMQ, concurrency ${c}`,
        medianRound(await rounds(() => bullmqRound(redis.port, link, c))),
      ]);
    } catch (e) {
      console.error(`BullMQ at concurrency ${c} failed on ${runtime}: ${(e as Error).message}`);
    }
  }
  latency = { workloom: await workloomLatency(redis.url, link) };
  try {
    latency.bullmq = await bullmqLatency(redis.port, link);
  } catch (e) {
    console.error(`BullMQ's latency failed on ${runtime}: ${(e as Error).message}`);
  }
  scale.one = median(await rounds(() => scaleRound(redis.url, link, 1)));
  scale.two = median(await rounds(() => scaleRound(redis.url, link, 2)));
} finally {
  await redis.close();
}

const bull = rows.filter(([name]) => name.startsWith("BullMQ"));
const best = bull.length ? Math.max(...bull.map(([, r]) => r.jobsPerS)) : NaN;
console.log(
  `${N.toLocaleString("en-US")} no-op jobs on ${runtime}, median of ${ROUNDS} round(s); ` +
    "ratios against BullMQ's best concurrency\n",
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
const ms = (xs: number[] | undefined, p: number) =>
  xs === undefined ? "-" : percentile(xs, p).toFixed(2);
console.log(formatTable(
  ["one job in flight, submission to result", "p50 ms", "p99 ms"],
  [
    ["workloom node (POST /jobs?wait=)", ms(latency!.workloom, 50), ms(latency!.workloom, 99)],
    ["BullMQ, concurrency 1 (add → completed)", ms(latency!.bullmq, 50), ms(latency!.bullmq, 99)],
  ],
));
console.log(
  `\nscale-out: ${SCALE_JOBS} jobs of ${SLEEP_MS} ms sleep, ${SCALE_WORKERS} workers per node`,
);
console.log(formatTable(["nodes", "jobs/s"], [
  ["1", Math.round(scale.one).toLocaleString("en-US")],
  ["2 (separate processes)", Math.round(scale.two).toLocaleString("en-US")],
]));
const ratio = scale.two / scale.one;
console.log(
  `target: two nodes ≥ 1.8× one: ${ratio >= 1.8 ? "met" : "not met"} (${ratio.toFixed(2)}x)`,
);
process.exit(0);
