// How a Redis node keeps its pipe full: the next take goes out while a finish is in flight (a
// run whose outcome is on its way holds no worker, so it counts against a second window, not the
// first), and a take's jobs go to the pool in one runMany() call, not one run() each.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPool } from "../../mod.ts";
import { RedisJobs, type RedisLink } from "../../redis.ts";
import type { Outcome } from "../../src/redis/redis_jobs.ts";
import { RedisNode } from "../../src/redis/redis_node.ts";
import type { RunnerPool } from "../../src/jobs/job_backend.ts";
import type { RunOptions } from "../../src/engine/run_options.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";
import { type RedisTasks, redisTasksUrl, until } from "./redis_helpers.ts";

let redis: RedisServer;
let link: RedisLink;
let n = 0;

before(async () => {
  redis = await startRedis();
  link = await redis.link();
});
after(async () => {
  await redis.close();
});

/** A queue whose finish calls wait for `open()`, counting the jobs its takes hand out. */
class GatedJobs extends RedisJobs {
  taken = 0;
  #open!: () => void;
  #gate = new Promise<void>((r) => (this.#open = r));

  open(): void {
    this.#open();
  }

  override async take(...args: Parameters<RedisJobs["take"]>) {
    const claimed = await super.take(...args);
    this.taken += claimed.length;
    return claimed;
  }

  override async finish(outcomes: readonly Outcome[]): Promise<number[]> {
    await this.#gate;
    return super.finish(outcomes);
  }
}

type ManyCall = { name: string; input: unknown; options?: RunOptions };

/** A real pool, seen through the calls a node makes on it. */
function watchedPool() {
  const pool = createPool<RedisTasks>(redisTasksUrl, {
    maxWorkers: 2,
    minWorkers: 2,
    autotune: false,
  });
  const seen = { runs: 0, batches: [] as number[], ended: 0 };
  const count = (p: Promise<unknown>) => {
    p.then(() => seen.ended++, () => seen.ended++);
    return p;
  };
  const watched: RunnerPool & { runMany(calls: Iterable<ManyCall>): Promise<unknown>[] } = {
    run: (name, input, options) => {
      seen.runs++;
      return count(pool.run(name as "echo", input, options));
    },
    runMany: (calls) => {
      const all = [...calls];
      seen.batches.push(all.length);
      return pool.runMany(all as never).map(count);
    },
    whenRoom: () => pool.whenRoom(),
    stats: () => pool.stats(),
  };
  return { pool, watched, seen };
}

function nodeOn(jobs: RedisJobs, pool: RunnerPool, concurrency: number) {
  const node = new RedisNode(jobs, pool, {
    nodeId: `node-${n}`,
    keyConcurrency: 1000,
    maxQueue: 1000,
    maxQueuePerKey: 1000,
    maxQueuePerClient: 1000,
    maxJobs: 1000,
    maxBytes: 1 << 24,
    maxResult: 1 << 16,
    jobTtlMs: 60_000,
    concurrency,
    claimIdleMs: 30_000,
    maxDeliveries: 5,
    pollMs: 50,
    recordMs: 1000,
    log: () => {},
  });
  node.start();
  return node;
}

async function recorded(jobs: RedisJobs): Promise<number> {
  return Number(await link.send(["GET", jobs.keys.recorded]) ?? 0);
}

test("a node takes more jobs while its finish call is in flight, up to twice its window", async () => {
  const jobs = new GatedJobs(link, `pipe${++n}`);
  const { pool, watched, seen } = watchedPool();
  const node = nodeOn(jobs, watched, 4);
  try {
    await node.submitBatch(Array.from({ length: 20 }, (_, i) => ({ task: "echo", input: i })));
    // The first 4 end and their finish waits: the next 4 are taken meanwhile.
    await until("a take while the finish waits", () => jobs.taken >= 8 ? true : undefined, 5000);
    await until("the second take's jobs to end", () => seen.ended >= 8 ? true : undefined, 5000);
    node.wake();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(jobs.taken, 8, "held at most twice the window while nothing is recorded");
    assert.equal(await recorded(jobs), 0);
    jobs.open();
    await until("every result", async () => (await recorded(jobs)) >= 20 ? true : undefined);
    assert.equal(jobs.taken, 20);
  } finally {
    jobs.open();
    await node.drain({ timeoutMs: 0 });
    node.close();
    await pool.close({ timeoutMs: 1000 });
  }
});

test("a take's jobs go to the pool in one runMany() call", async () => {
  const jobs = new RedisJobs(link, `pipe${++n}`);
  const { pool, watched, seen } = watchedPool();
  const node = nodeOn(jobs, watched, 16);
  try {
    await node.submitBatch(Array.from({ length: 64 }, (_, i) => ({ task: "echo", input: i })));
    await until("every result", async () => (await recorded(jobs)) >= 64 ? true : undefined);
    assert.equal(seen.runs, 0, "no job went through run()");
    assert.equal(seen.batches.reduce((a, b) => a + b, 0), 64);
    assert.ok(Math.max(...seen.batches) > 1, `batches ${seen.batches}`);
  } finally {
    await node.drain({ timeoutMs: 0 });
    node.close();
    await pool.close({ timeoutMs: 1000 });
  }
});
