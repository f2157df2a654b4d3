// How a Redis node keeps its pipe full: the next take goes out while a finish is in flight (a
// run whose outcome is on its way holds no worker, so it counts against a second window, not the
// first), and a take's jobs go to the pool in one runMany() call, not one run() each.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createPool } from "../../mod.ts";
import { RedisJobs, type RedisLink } from "../../redis.ts";
import type { Outcome } from "../../src/redis/redis_jobs.ts";
import { RedisNode, type RedisNodeSettings } from "../../src/redis/redis_node.ts";
import type { RunnerPool } from "../../src/jobs/job_backend.ts";
import type { RunOptions } from "../../src/engine/run_options.ts";
import { CANCEL_HOOK, CancelHook, type HookedOptions } from "../../src/engine/cancel_hook.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";
import { type RedisTasks, redisTasksUrl, scratch, until } from "./redis_helpers.ts";

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

/** A queue whose first take of echo jobs runs in Redis and then fails, its reply lost. */
class LostReplyJobs extends RedisJobs {
  lost: string[] = [];

  override async take(...args: Parameters<RedisJobs["take"]>) {
    const claimed = await super.take(...args);
    if (this.lost.length > 0 || !claimed.some((c) => c.request.task === "echo")) return claimed;
    this.lost = claimed.map((c) => c.id);
    throw new Error("Redis is unreachable: the connection closed before the reply");
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

function nodeOn(
  jobs: RedisJobs,
  pool: RunnerPool,
  concurrency: number,
  settings: Partial<RedisNodeSettings> = {},
) {
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
    ...settings,
  });
  node.start();
  return node;
}

/** Stops a test's node (its running jobs handed back) and then its pool. */
async function stop(node: RedisNode, pool: { close(o: { timeoutMs: number }): Promise<void> }) {
  await node.drain({ timeoutMs: 0 });
  node.close();
  await pool.close({ timeoutMs: 1000 });
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
    await stop(node, pool);
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
    await stop(node, pool);
  }
});

test("a node hands workloom's pool its runs with a cancel hook, no signal, and a cancel reaches the task", async () => {
  const jobs = new RedisJobs(link, `pipe${++n}`);
  const pool = createPool<RedisTasks>(redisTasksUrl, {
    maxWorkers: 1,
    minWorkers: 1,
    autotune: false,
  });
  const given: HookedOptions[] = [];
  const runMany = pool.runMany.bind(pool);
  pool.runMany = (calls) => {
    const list = [...calls];
    for (const c of list) given.push(c.options ?? {});
    return runMany(list);
  };
  const node = nodeOn(jobs, pool, 2);
  const log = join(scratch(), "log");
  const lines = () => existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  try {
    const { job } = await node.submit({ task: "awaitAbort", input: { log } });
    await until("the task to start", () => lines().includes("started") || undefined);
    assert.equal(given.length, 1);
    assert.equal(given[0].signal, undefined, "an AbortSignal per run");
    assert.ok(given[0][CANCEL_HOOK] instanceof CancelHook);
    assert.equal(await node.cancel(job.id), "cancelled");
    await until("the task to see the abort", () => lines().length === 2 || undefined);
    assert.deepEqual(lines(), ["started", "aborted AbortError"]);
  } finally {
    await stop(node, pool);
  }
});

test("a take whose reply was lost: the node finds the jobs it holds in Redis and runs them, once", async () => {
  const jobs = new LostReplyJobs(link, `pipe${++n}`);
  const { pool, watched, seen } = watchedPool();
  const dir = scratch();
  const gate = join(dir, "gate");
  const log = join(dir, "log");
  // Its claims would go idle only after 30 s: the jobs must not wait for a takeover.
  const node = nodeOn(jobs, watched, 4);
  try {
    // A run the node has: the runs it holds in Redis include it, and it must not start again.
    const [held] = await node.submitBatch([{ task: "hold", input: { gate, log } }]);
    await until("the held job to start", () => existsSync(log) ? true : undefined, 5000);
    await node.submitBatch(Array.from({ length: 3 }, (_, i) => ({ task: "echo", input: i })));
    await until("the lost take's jobs in the pool", () => {
      return seen.batches.reduce((a, b) => a + b, 0) >= 4 ? true : undefined;
    }, 5000);
    assert.equal(jobs.lost.length, 3, "the lost take had taken every echo job");
    writeFileSync(gate, "");
    await until("every result", async () => (await recorded(jobs)) >= 4 ? true : undefined, 5000);
    for (const id of [held.id, ...jobs.lost]) {
      const job = await jobs.lookup(id);
      assert.equal(job.state === "found" && job.job.status, "succeeded");
      assert.equal(job.state === "found" && job.job.attempts, 1, "one attempt each");
    }
    assert.equal(readFileSync(log, "utf8").split("\n").filter(Boolean).length, 1, "held ran once");
    assert.equal(seen.ended, 4, "each job ran once");
  } finally {
    writeFileSync(gate, "");
    await stop(node, pool);
  }
});

test("a dead node's runs are taken over all at once, not one window a tick", async () => {
  /** Each reclaim call: when it went, when it answered, how many runs it took over. */
  const calls: { at: number; done: number; got: number }[] = [];
  const jobs = new (class extends RedisJobs {
    override async reclaimFrom(...args: Parameters<RedisJobs["reclaimFrom"]>) {
      const at = performance.now();
      const got = await super.reclaimFrom(...args);
      calls.push({ at, done: performance.now(), got: got.claimed.length });
      return got;
    }
  })(link, `pipe${++n}`);
  // A node that died holding three windows' worth (the live node's window is 4).
  await jobs.submit(
    Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, request: { task: "echo", input: i } })),
    { maxJobs: 100, maxQueue: 100, ttlMs: 60_000 },
  );
  assert.equal((await jobs.take("dead", 12, 1000)).length, 12);
  const claimIdleMs = 1000;
  await new Promise((r) => setTimeout(r, claimIdleMs + 100));
  const { pool, watched } = watchedPool();
  // Its reclaim ticks every claimIdleMs / 2; no take finds anything (every job is claimed).
  const node = nodeOn(jobs, watched, 4, { claimIdleMs });
  try {
    await until("every result", async () => (await recorded(jobs)) >= 12 ? true : undefined, 5000);
    const taking = calls.filter((c) => c.got > 0);
    assert.deepEqual(taking.map((c) => c.got), [4, 4, 4]);
    // One after another as each answered, not half a second apart (one window a tick).
    for (let i = 1; i < taking.length; i++) {
      const gap = taking[i].at - taking[i - 1].done;
      assert.ok(gap < 250, `reclaim ${i + 1} went ${gap.toFixed(0)} ms after the one before`);
    }
  } finally {
    await stop(node, pool);
  }
});

test("a dead node's runs behind many live ones are taken over: each call goes on where the last stopped", async () => {
  const jobs = new RedisJobs(link, `pipe${++n}`);
  const bounds = { maxJobs: 1000, maxQueue: 1000, ttlMs: 60_000 };
  const job = (id: string) => ({ id, request: { task: "echo", input: id } });
  // A live node holds 60 runs taken first (so ahead in the pending entries) and keeps renewing
  // them; a node that died holds 3 taken after. A call looks at ten windows at most (here 20).
  await jobs.submit(Array.from({ length: 60 }, (_, i) => job(`live${i}`)), bounds);
  const live = await jobs.take("live", 60, 1000);
  await jobs.submit(Array.from({ length: 3 }, (_, i) => job(`dead${i}`)), bounds);
  assert.equal((await jobs.take("dead", 3, 1000)).length, 3);
  let renewing = true;
  const renew = (async () => {
    while (renewing) {
      await jobs.heartbeat("live", {}, live);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const { pool, watched } = watchedPool();
  const node = nodeOn(jobs, watched, 2, { claimIdleMs: 600 });
  try {
    await until("the dead node's runs done", async () => {
      const states = await Promise.all([0, 1, 2].map((i) => jobs.lookup(`dead${i}`)));
      return states.every((s) => s.state === "found" && s.job.status === "succeeded")
        ? true
        : undefined;
    }, 5000);
    const still = await jobs.lookup("live0");
    assert.equal(still.state === "found" && still.job.status, "running", "a live run stays");
  } finally {
    renewing = false;
    await renew;
    await stop(node, pool);
  }
});
