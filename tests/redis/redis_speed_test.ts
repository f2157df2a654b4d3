// The Redis node's batched paths and the guarantees they keep: commands per job (INFO
// commandstats counts the commands inside scripts too) for batches and for single submissions,
// a taken-over run not counted as an attempt, a shutdown handing running jobs back, cancelling a
// queued job, retry delays, and dead letters in the byte count.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { RedisJobs, type RedisLink } from "../../redis.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";
import { scratch, startNode, until } from "./redis_helpers.ts";

let redis: RedisServer;
let link: RedisLink;
let n = 0;
const bounds = { maxJobs: 10_000, maxQueue: 10_000, ttlMs: 60_000 };
const BIG = { maxQueue: 5000, maxJobs: 5000, maxQueuePerKey: 5000, maxQueuePerClient: 5000 };

before(async () => {
  redis = await startRedis();
  link = await redis.link();
});
after(async () => {
  await redis.close();
});

/** `INFO commandstats` as calls in all. */
async function commands(): Promise<number> {
  const text = String(await link.send(["INFO", "commandstats"]));
  let sum = 0;
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    // The test's own reads.
    if (m[1] !== "info" && m[1] !== "get") sum += Number(m[2]);
  }
  return sum;
}

async function recorded(jobs: RedisJobs): Promise<number> {
  return Number(await link.send(["GET", jobs.keys.recorded]) ?? 0);
}

/** Redis commands per job for `count` echo jobs through a node, submitted by `submit`. */
async function perJob(
  count: number,
  submit: (
    node: Awaited<ReturnType<typeof startNode>>,
    requests: { task: string; input: number }[],
  ) => Promise<unknown>,
): Promise<number> {
  const prefix = `speed${++n}`;
  const node = await startNode(redis.url, { prefix }, BIG);
  try {
    const jobs = new RedisJobs(link, prefix);
    const requests = Array.from({ length: count }, (_, i) => ({ task: "echo", input: i }));
    const c0 = await commands();
    await submit(node, requests);
    await until("every result", async () => (await recorded(jobs)) >= count ? true : undefined);
    return ((await commands()) - c0) / count;
  } finally {
    await node.close();
  }
}

test("a batch of jobs costs at most 10 Redis commands per job, from submission to result", async () => {
  const per = await perJob(3000, async (node, requests) => {
    for (let i = 0; i < requests.length; i += 1000) {
      await node.server.runner.submitBatch(requests.slice(i, i + 1000));
    }
  });
  console.log(`${per.toFixed(2)} commands per job in batches of 1,000`);
  assert.ok(per <= 10, `${per} commands per job`);
});

test("single submissions, 64 at a time, cost at most 15 Redis commands per job", async () => {
  const per = await perJob(1200, async (node, requests) => {
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < requests.length) await node.server.runner.submit(requests[next++]);
    }));
  });
  console.log(`${per.toFixed(2)} commands per job submitted singly, 64 at a time`);
  assert.ok(per <= 15, `${per} commands per job`);
});

test("a take says drained only when no job is ready on any key, none held back by its limit", async () => {
  const jobs = new RedisJobs(link, `speed${++n}`);
  const job = (id: string, concurrencyKey?: string) => ({
    id,
    request: { task: "echo", input: id, ...(concurrencyKey ? { concurrencyKey } : {}) },
  });
  await jobs.submit([job("a"), job("b"), job("c")], bounds);
  const two = await jobs.take("n", 2, 4);
  assert.deepEqual([two.length, two.drained], [2, false]);
  const last = await jobs.take("n", 2, 4);
  assert.deepEqual([last.length, last.drained], [1, true]);
  // Key k runs one job at a time: its second waits for the first, so the queue is not drained.
  await jobs.submit([job("k1", "k"), job("k2", "k")], bounds);
  const held = await jobs.take("n", 4, 1);
  assert.deepEqual([held.map((c) => c.id), held.drained], [["k1"], false]);
  await jobs.finish([{ ...held[0], kind: "ok", payload: "1" }]);
  const next = await jobs.take("n", 4, 1);
  assert.deepEqual([next.map((c) => c.id), next.drained], [["k2"], true]);
});

test("a job submitted alone costs its node one take: none as its run ends or is recorded", async () => {
  const prefix = `speed${++n}`;
  // No poll in the test's time: every take is one the node chose to make.
  const node = await startNode(redis.url, { prefix, pollMs: 60_000 }, BIG);
  try {
    const stats = async () => {
      const text = String(await link.send(["INFO", "commandstats"]));
      const calls = (name: string) =>
        Number(
          new RegExp(`^cmdstat_${name}:calls=(\\d+)`, "m")
            .exec(text)?.[1] ?? 0,
        );
      // ZRANGE of the rotation is the take script's alone; EVALSHA counts every script call.
      return { takes: calls("zrange"), scripts: calls("evalsha") };
    };
    const jobs = new RedisJobs(link, prefix);
    const count = 30;
    const s0 = await stats();
    for (let i = 0; i < count; i++) {
      await node.server.runner.submit({ task: "echo", input: i });
      await until("its result", async () => (await recorded(jobs)) > i ? true : undefined);
    }
    const s1 = await stats();
    const takes = (s1.takes - s0.takes) / count;
    const scripts = (s1.scripts - s0.scripts) / count;
    console.log(
      `one job at a time: ${takes.toFixed(2)} takes, ${scripts.toFixed(2)} scripts a job`,
    );
    // Submit, take, finish; the heartbeat's scripts besides.
    assert.ok(takes <= 1.1, `${takes} takes a job`);
  } finally {
    await node.close();
  }
});

test("a run taken over from a dead node is not counted as another attempt", async () => {
  const jobs = new RedisJobs(link, `speed${++n}`);
  await jobs.submit([{ id: "j", request: { task: "echo", input: 1, attempts: 2 } }], bounds);
  const [first] = await jobs.take("dead", 1, 4);
  assert.equal(first.attempts, 1);
  const [taken] = await jobs.reclaim("alive", { minIdleMs: 0, count: 10, maxDeliveries: 5 });
  assert.equal(taken.id, "j");
  assert.equal(taken.attempts, 1);
  assert.deepEqual(await jobs.finish([{ ...taken, kind: "ok", payload: "1" }]), [1]);
  const job = await jobs.lookup("j");
  assert.equal(job.state === "found" && job.job.attempts, 1);
});

test("cancelling a queued job takes it out of the queue: no node takes it, its counts go back", async () => {
  const jobs = new RedisJobs(link, `speed${++n}`);
  await jobs.submit(
    ["a", "b"].map((id) => ({ id, request: { task: "echo", input: id, concurrencyKey: "k" } })),
    bounds,
    "c1",
  );
  assert.equal(await jobs.cancel("a", { name: "AbortError", message: "no" }), "cancelled");
  assert.equal(await jobs.cancel("a", { name: "AbortError", message: "no" }), "final");
  const job = await jobs.lookup("a");
  assert.equal(job.state === "found" && job.job.status, "cancelled");
  assert.equal(Number(await link.send(["GET", jobs.keys.waiting])), 1);
  assert.equal(await link.send(["HGET", jobs.keys.wkey, "k"]), "1");
  assert.equal(await link.send(["HGET", jobs.keys.wclient, "c1"]), "1");
  const taken = await jobs.take("a", 10, 4);
  assert.deepEqual(taken.map((c) => c.id), ["b"]);
});

test("a retry waits out its delay on Redis: no node takes it before its runAt", async () => {
  const jobs = new RedisJobs(link, `speed${++n}`);
  await jobs.submit([{ id: "r", request: { task: "echo", input: 1, attempts: 2 } }], bounds);
  const [run] = await jobs.take("a", 1, 4);
  const error = JSON.stringify({ name: "TaskError", message: "once" });
  await jobs.finish([{ ...run, kind: "retry", payload: error, delayMs: 1500 }]);
  const held = await jobs.lookup("r");
  assert.equal(held.state === "found" && held.job.status, "delayed");
  const runAt = Date.parse(held.state === "found" ? held.job.runAt! : "");
  const early = await jobs.take("a", 1, 4);
  assert.equal(early.length, 0);
  // Nothing is ready on any key (the retry is delayed): a node told so waits for a queued job.
  assert.equal(early.drained, true);
  const [again] = await until("the retry", async () => {
    const got = await jobs.take("a", 1, 4);
    return got.length > 0 ? got : undefined;
  });
  const [s, us] = (await link.send(["TIME"])) as [string, string];
  assert.ok(Number(s) * 1000 + Number(us) / 1000 >= runAt, "taken before its runAt");
  assert.equal(again.attempts, 2);
});

test("a node that shuts down hands its running jobs back, and another node runs them", async () => {
  const prefix = `speed${++n}`;
  const dir = scratch();
  const gate = join(dir, "gate");
  const log = join(dir, "log");
  const first = await startNode(redis.url, { prefix }, BIG);
  const jobs = new RedisJobs(link, prefix);
  let second: Awaited<ReturnType<typeof startNode>> | undefined;
  try {
    const [job] = await first.server.runner.submitBatch([{ task: "hold", input: { gate, log } }]);
    await until("the job to start", () => existsSync(log) ? true : undefined);
    // Shut down without waiting: the job still runs on this node's pool.
    await first.server.close({ timeoutMs: 0 });
    const back = await jobs.lookup(job.id);
    assert.equal(back.state === "found" && back.job.status, "queued");
    // The attempt is given back with it.
    assert.equal(back.state === "found" && back.job.attempts, 0);
    writeFileSync(gate, "");
    second = await startNode(redis.url, { prefix }, BIG);
    const done = await until("the job done elsewhere", async () => {
      const j = await jobs.lookup(job.id);
      return j.state === "found" && j.job.status === "succeeded" ? j.job : undefined;
    });
    assert.equal(done.result, "released");
    assert.equal(done.attempts, 1);
  } finally {
    await first.close();
    await second?.close();
  }
});

test("a dead letter's copy of the request counts in the bytes the queue keeps, until upkeep trims it", async () => {
  const jobs = new RedisJobs(link, `speed${++n}`);
  await jobs.submit([{ id: "p", request: { task: "echo", input: "x".repeat(100) } }], bounds);
  const submitted = await jobs.bytes();
  await jobs.take("ghost", 1, 4);
  await jobs.reclaim("ghost-2", { minIdleMs: 0, count: 10, maxDeliveries: 1 });
  assert.deepEqual(
    await jobs.reclaim("ghost-3", { minIdleMs: 0, count: 10, maxDeliveries: 1 }),
    [],
  );
  assert.deepEqual(await jobs.deadLetters(), ["p"]);
  const error = await jobs.lookup("p");
  const errorBytes = error.state === "found" ? JSON.stringify(error.job.error).length : 0;
  // The request twice (the job's and the dead letter's), the error once.
  assert.equal(await jobs.bytes(), 2 * submitted + errorBytes);
  // Past the time to live, upkeep removes both, and their bytes with them.
  await jobs.maintain(1, 60_000);
  assert.deepEqual(await jobs.deadLetters(), []);
  assert.equal(await jobs.bytes(), 0);
});

test("a watcher hears each job of a batch that ended together, from the one events entry that carries them", async () => {
  const prefix = `speed${++n}`;
  const node = await startNode(redis.url, { prefix }, BIG, 2);
  // The node's first finish call waits until more runs have ended, so that the next one carries
  // several outcomes, and its one events entry several changes (a node that takes while it
  // records may otherwise record one job per call).
  const finish = RedisJobs.prototype.finish;
  let calls = 0;
  RedisJobs.prototype.finish = async function (this: RedisJobs, outcomes) {
    if (calls++ === 0) {
      await until("more runs ended", () => node.pool.stats().completed >= 4 ? true : undefined);
    }
    return await finish.call(this, outcomes);
  };
  try {
    const batch = await node.server.runner.submitBatch(
      Array.from({ length: 50 }, (_, i) => ({ task: "echo", input: i })),
    );
    // Watched before any reply from Redis can come back: the take is only on its way.
    const heard = batch.map((job) =>
      new Promise<string>((resolve) => {
        const stop = node.server.store.watch(job.id, (change) => {
          if (change.job?.status !== "succeeded") return;
          stop();
          resolve(change.job.id);
        });
      })
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ids = await Promise.race([
      Promise.all(heard),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("a watcher heard nothing")), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.deepEqual(ids.sort(), batch.map((j) => j.id).sort());
    assert.ok(calls < 50, `${calls} finish calls for 50 jobs`);
  } finally {
    RedisJobs.prototype.finish = finish;
    await node.close();
  }
});
