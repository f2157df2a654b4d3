/**
 * Redis commands per job, by command name: runs N no-op jobs through one node (in this process)
 * submitted in batches of 1,000 and then one by one, and reads `INFO commandstats` (which
 * counts the commands inside scripts too) before and after each.
 *
 *   deno run -A bench/redis_commands.ts [--jobs N]
 *   bun bench/redis_commands.ts [--jobs N]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createPool } from "../mod.ts";
import { getRuntimeKey } from "../src/adapter/runtime.ts";
import { RedisJobs, redisQueue } from "../redis.ts";
import type { RedisLink } from "../redis.ts";
import { createServer } from "../server.ts";
import { waitForJob } from "../src/server/wait_for_job.ts";
import { startRedis } from "../tests/redis/redis_server.ts";
import { formatTable } from "./_table.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { jobs: { type: "string" } },
});
const N = Number(flags.jobs ?? 2_000);
const tasks = new URL("./fixtures/bench_tasks.ts", import.meta.url);

/** `INFO commandstats` as calls per command name. */
export async function commandStats(link: RedisLink): Promise<Map<string, number>> {
  const text = String(await link.send(["INFO", "commandstats"]));
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** `clients`: 0 submits in batches of 1,000; otherwise that many clients submit one job each. */
async function measure(url: string, link: RedisLink, clients: number, run: number) {
  const prefix = `cmds${run}`;
  const pool = createPool(tasks, { autotune: false });
  const server = await createServer(pool, {
    queue: redisQueue(url, { prefix }),
    maxQueue: N + 1,
    maxQueuePerKey: N + 1,
    maxQueuePerClient: N + 1,
    maxJobs: N + 1,
  });
  const jobs = new RedisJobs(link, prefix);
  const before = await commandStats(link);
  const requests = Array.from({ length: N }, (_, i) => ({ task: "noop", input: i }));
  if (clients > 0) {
    // One job each, as clients submitting one at a time would; with one client, the next job is
    // submitted once the previous one is final, so every call carries a single job.
    let next = 0;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (next < N) {
        const { job } = await server.runner.submit(requests[next++]);
        if (clients === 1) await waitForJob(server.store, job.id, 5_000);
      }
    }));
  } else {
    for (let i = 0; i < N; i += 1000) await server.runner.submitBatch(requests.slice(i, i + 1000));
  }
  while (Number(await link.send(["GET", jobs.keys.recorded])) < N) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const after = await commandStats(link);
  const bytes = Number(await link.send(["GET", jobs.keys.bytes]));
  // Where a finished job's memory goes: its hash, and its share of the sets and streams.
  const [one] = (await link.send(["ZRANGE", jobs.keys.jobs, 0, 0])) as string[];
  const memory: Record<string, number> = {
    "job hash": Number(await link.send(["MEMORY", "USAGE", jobs.keys.job(one), "SAMPLES", 0])),
  };
  for (const k of ["jobs", "finished", "events", "dispatch"] as const) {
    memory[k] = Number(await link.send(["MEMORY", "USAGE", jobs.keys[k], "SAMPLES", 0]) ?? 0) / N;
  }
  const used = Number(/used_memory:(\d+)/.exec(String(await link.send(["INFO", "memory"])))![1]);
  await server.close({ timeoutMs: 1000 });
  await pool.close();
  const per = new Map<string, number>();
  for (const [name, calls] of after) {
    // This script's own reads (INFO, GET of the counter) are left out.
    if (name === "info") continue;
    const d = calls - (before.get(name) ?? 0);
    if (d > 0) per.set(name, d / N);
  }
  return { per, bytes: bytes / N, used, memory };
}

const redis = await startRedis();
const link = await redis.link();
try {
  const batch = await measure(redis.url, link, 0, 1);
  await link.send(["FLUSHALL"]);
  const single = await measure(redis.url, link, 32, 2);
  await link.send(["FLUSHALL"]);
  const lone = await measure(redis.url, link, 1, 3);
  const names = [...new Set([...batch.per.keys(), ...single.per.keys()])].sort((a, b) =>
    (batch.per.get(b) ?? 0) - (batch.per.get(a) ?? 0)
  );
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  console.log(`${N} no-op jobs on ${getRuntimeKey()}: Redis commands per job\n`);
  console.log(formatTable(
    ["command", "batches of 1,000", "one by one, 32 clients", "one in flight"],
    [
      ...names.map((n) => [
        n,
        (batch.per.get(n) ?? 0).toFixed(2),
        (single.per.get(n) ?? 0).toFixed(2),
        (lone.per.get(n) ?? 0).toFixed(2),
      ]),
      ["total", sum(batch.per).toFixed(2), sum(single.per).toFixed(2), sum(lone.per).toFixed(2)],
    ],
  ));
  console.log(
    "\nRedis memory per finished job (batches), bytes:",
    Object.entries(batch.memory).map(([k, v]) => `${k} ${Math.round(v)}`).join(", "),
  );
  console.log(
    `payload bytes counted per finished job: ${batch.bytes.toFixed(0)} (batches), ${
      single.bytes.toFixed(0)
    } (singles)`,
  );
} finally {
  await redis.close();
}
process.exit(0);
