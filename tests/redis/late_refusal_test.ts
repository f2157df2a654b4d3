// The queue's scripts on a real redis-server stalled with SIGSTOP, the test acting as nodes:
// a submission, a cancel and a takeover sent during the stall time out, and Redis refuses
// them when it resumes (it checks their deadline on its own clock), while a take answered late
// hands its jobs to the `late` hearer instead of leaving them claimed by nobody.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectRedis, RedisJobs } from "../../redis.ts";
import { QueueUnavailableError } from "../../server.ts";
import { until } from "./redis_helpers.ts";
import { startRedis } from "./redis_server.ts";

const bounds = { maxJobs: 100, maxQueue: 100, ttlMs: 60_000 };
const job = (id: string) => ({ id, request: { task: "echo", input: id }, fingerprint: id });

test("a submission, a cancel and a takeover sent during a stall are refused when Redis resumes; a late take reaches `late`", async () => {
  const redis = await startRedis();
  const link = await connectRedis(redis.url, { onError: () => {}, commandTimeoutMs: 300 });
  let paused = false;
  try {
    const jobs = new RedisJobs(link, "late");
    await jobs.submit([job("running"), job("waiting")], bounds);
    const [taken] = await jobs.take("node-a", 1, 4);
    assert.equal(taken.id, "running");

    // Load every script first: a script Redis does not know yet would answer NOSCRIPT after
    // the stall, and never run at all.
    await jobs.cancel("nobody", { name: "AbortError", message: "warm-up" });
    assert.deepEqual(
      await jobs.reclaim("node-b", { minIdleMs: 3_600_000, count: 1, maxDeliveries: 5 }),
      [],
    );

    redis.pause();
    paused = true;
    const refused = [
      jobs.submit([job("refused")], bounds),
      jobs.cancel("running", { name: "AbortError", message: "no" }),
      jobs.reclaim("node-b", { minIdleMs: 0, count: 10, maxDeliveries: 5 }),
    ];
    const lateTakes: string[][] = [];
    const take = jobs.take("node-a", 1, 4, (late) => lateTakes.push(late.map((c) => c.id)));
    for (const outcome of await Promise.allSettled([...refused, take])) {
      assert.equal(outcome.status, "rejected");
      assert.ok((outcome as PromiseRejectedResult).reason instanceof QueueUnavailableError);
    }
    redis.resume();
    paused = false;

    await until("the late take", () => (lateTakes.length === 1 ? true : undefined));
    assert.deepEqual(lateTakes, [["waiting"]]);
    const [status, node] = (await link.send(["HMGET", "{late}:job:running", "status", "node"])) as [
      string,
      string,
    ];
    assert.equal(status, "running", "the cancel sent during the stall ran");
    assert.equal(node, "node-a", "the takeover sent during the stall ran");
    assert.equal(await link.send(["EXISTS", "{late}:job:refused"]), 0, "the submission ran");
  } finally {
    if (paused) redis.resume();
    await link.close({ now: true });
    await redis.close();
  }
});
