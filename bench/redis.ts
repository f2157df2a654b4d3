/**
 * Redis queue benchmark: jobs/s through the shared Redis queue with one node and with two nodes
 * (both in this process, on loopback), beside the in-memory default and beside BullMQ on the same
 * Redis, at BullMQ's best concurrency of 1, 8 and 32, as ratios.
 *
 *   deno run -A bench/redis.ts [--quick] [--jobs N]
 *   bun bench/redis.ts [--quick] [--jobs N]
 *
 * Every contender gets the same N no-op jobs, submitted in batches of 1,000 from this process
 * (workloom: `runner.submitBatch`; BullMQ: `queue.addBulk`) while its workers already run, and
 * is timed from the first submission until the last job's result is recorded. workloom runs
 * each job in a Web Worker of its pool (one message hop each way); BullMQ runs its processor
 * inline on the main thread, its fastest mode. The redis-server is started here on a free port
 * without persistence and flushed between contenders. Needs `redis-server` on the PATH.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createPool } from "../mod.ts";
import { getRuntimeKey } from "../src/adapter/runtime.ts";
import { RedisJobs, redisQueue } from "../redis.ts";
import { createServer, type JobServer } from "../server.ts";
import { startRedis } from "../tests/redis/redis_server.ts";
import { formatTable } from "./_table.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { quick: { type: "boolean", default: false }, jobs: { type: "string" } },
});
const N = Number(flags.jobs ?? (flags.quick ? 2_000 : 20_000));
const tasks = new URL("./fixtures/bench_tasks.ts", import.meta.url);
const requests = Array.from({ length: N }, (_, i) => ({ task: "noop", input: i }));

async function until(done: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await done())) await new Promise((r) => setTimeout(r, 2));
}

async function startServers(nodes: number, queue?: (i: number) => ReturnType<typeof redisQueue>) {
  const pools = Array.from({ length: nodes }, () => createPool(tasks, { autotune: false }));
  const servers: JobServer[] = [];
  for (let i = 0; i < nodes; i++) {
    servers.push(
      await createServer(pools[i], { queue: queue?.(i), maxQueue: N + 1, maxJobs: N + 1 }),
    );
  }
  return {
    servers,
    async close() {
      for (const s of servers) await s.close({ timeoutMs: 1000 });
      for (const p of pools) await p.close();
    },
  };
}

/** jobs/s of the in-memory default. */
async function inMemory(): Promise<number> {
  const { servers, close } = await startServers(1);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await servers[0].runner.submitBatch(requests.slice(i, i + 1000));
  }
  await until(() => {
    const c = servers[0].runner.counts();
    return c.queued + c.delayed + c.running === 0;
  });
  const s = (performance.now() - t0) / 1000;
  await close();
  return N / s;
}

/** jobs/s through Redis with `nodes` nodes in this process. */
async function throughRedis(url: string, nodes: number, run: number): Promise<number> {
  const prefix = `bench${run}`;
  const { servers, close } = await startServers(
    nodes,
    (i) => redisQueue(url, { prefix, nodeId: `n${i}` }),
  );
  const { connectRedis } = await import("../redis.ts");
  const link = await connectRedis(url, { onError: () => {} });
  const jobs = new RedisJobs(link, prefix);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await servers[i / 1000 % nodes].runner.submitBatch(requests.slice(i, i + 1000));
  }
  await until(async () => Number(await link.send(["GET", jobs.keys.recorded])) >= N);
  const s = (performance.now() - t0) / 1000;
  await link.close();
  await close();
  return N / s;
}

/** jobs/s of BullMQ with one Worker at `concurrency`. */
async function bullmq(port: number, concurrency: number): Promise<number> {
  const { Queue, Worker } = await import("bullmq");
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = `bull${concurrency}`;
  const queue = new Queue(name, { connection });
  let done = 0;
  const worker = new Worker(name, (job) => Promise.resolve(job.data.i), {
    connection,
    concurrency,
  });
  worker.on("completed", () => done++);
  await worker.waitUntilReady();
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await queue.addBulk(
      requests.slice(i, i + 1000).map((r) => ({
        name: "noop",
        data: { i: r.input },
        opts: { removeOnComplete: true },
      })),
    );
  }
  await until(() => done >= N);
  const s = (performance.now() - t0) / 1000;
  await worker.close();
  await queue.close();
  return N / s;
}

const redis = await startRedis();
const link = await redis.link();
const flush = () => link.send(["FLUSHALL"]);
const rows: [string, number][] = [];
try {
  rows.push(["workloom, in-memory (default)", await inMemory()]);
  await flush();
  rows.push(["workloom, Redis, 1 node", await throughRedis(redis.url, 1, 1)]);
  await flush();
  rows.push(["workloom, Redis, 2 nodes", await throughRedis(redis.url, 2, 2)]);
  for (const c of [1, 8, 32]) {
    await flush();
    try {
      rows.push([`BullMQ, concurrency ${c}`, await bullmq(redis.port, c)]);
    } catch (e) {
      console.error(
        `BullMQ at concurrency ${c} failed on ${getRuntimeKey()}: ${(e as Error).message}`,
      );
    }
  }
} finally {
  await redis.close();
}
const bull = rows.filter(([name]) => name.startsWith("BullMQ"));
const best = bull.length ? Math.max(...bull.map(([, v]) => v)) : NaN;
console.log(`${N} no-op jobs on ${getRuntimeKey()}; ratios against BullMQ's best concurrency\n`);
console.log(formatTable(
  ["contender", "jobs/s", "× BullMQ best"],
  rows.map(([name, v]) => [name, Math.round(v).toLocaleString("en-US"), (v / best).toFixed(2)]),
));
const one = rows.find(([name]) => name.endsWith("1 node"))?.[1] ?? 0;
console.log(
  `\ntarget: at least 2x BullMQ per node: ${one / best >= 2 ? "met" : "not met"} (${
    (one / best).toFixed(2)
  }x)`,
);
process.exit(0);
