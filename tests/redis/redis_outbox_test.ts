// The Redis outbox driven directly, the test acting as nodes: a job naming a webhook gets its
// delivery in the same step as its final state (and a job without one gets none), a claim holds
// it for its lease, a lapsed lease lets another node claim it, and only the current attempt
// records. A webhook URL with braces survives the submit script's cut.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RedisJobs, type RedisLink } from "../../redis.ts";
import { RedisOutbox } from "../../src/redis/redis_outbox.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";

let redis: RedisServer;
let link: RedisLink;
let n = 0;
const bounds = { maxJobs: 100, maxQueue: 100, ttlMs: 60_000 };

before(async () => {
  redis = await startRedis();
  link = await redis.link();
});
after(async () => {
  await redis.close();
});

/** A queue with job `a` naming `url` and job `b` naming none, both run to success. */
async function finished(url: string): Promise<RedisJobs> {
  const jobs = new RedisJobs(link, `o${++n}`);
  await jobs.submit([
    { id: "a", request: { task: "echo", input: { x: "{" }, webhook: { url } } },
    { id: "b", request: { task: "echo", input: 2 } },
  ], bounds);
  const claimed = await jobs.take("node-1", 2, 4);
  assert.equal(claimed.length, 2);
  await jobs.finish(claimed.map((c) => ({ id: c.id, entry: c.entry, kind: "ok", payload: "7" })));
  return jobs;
}

test("a final job naming a webhook has its delivery stored with its final state", async () => {
  const url = "https://hooks.example.com/h?q={x}}";
  const jobs = await finished(url);
  assert.notEqual(await link.send(["ZSCORE", jobs.keys.hooks, "a"]), null);
  assert.equal(await link.send(["ZSCORE", jobs.keys.hooks, "b"]), null);
  const a = await jobs.lookup("a");
  assert.deepEqual(a.state === "found" && a.job.webhook, { url, status: "pending", attempts: 0 });
  const [d, ...none] = await new RedisOutbox(jobs).claim(10, 60_000);
  assert.deepEqual(none, []);
  assert.equal(d.url, url);
  assert.equal(d.attempt, 1);
  assert.equal(d.job.status, "succeeded");
  assert.equal(d.job.result, 7);
  assert.equal(d.job.webhook, undefined);
});

test("a claim holds a delivery for its lease; once it lapses another node claims it, and only it records", async () => {
  const jobs = await finished("https://hooks.example.com/h");
  const first = new RedisOutbox(jobs);
  const second = new RedisOutbox(jobs);
  const [d1] = await first.claim(10, 60_000);
  assert.deepEqual(await second.claim(10, 60_000), [], "held by the first node's lease");
  // A lease of 0 lapses at once: the node "died".
  await link.send(["ZADD", jobs.keys.hooks, 0, "a"]);
  const [d2] = await second.claim(10, 60_000);
  assert.equal(d2.attempt, 2);
  await first.record(d1, {
    state: { url: d1.url, status: "failed", attempts: 1, lastError: "late" },
  });
  let a = await jobs.lookup("a");
  assert.equal(
    a.state === "found" && a.job.webhook?.status,
    "pending",
    "a stale attempt records nothing",
  );
  await second.record(d2, { state: { url: d2.url, status: "delivered", attempts: 2 } });
  a = await jobs.lookup("a");
  assert.deepEqual(a.state === "found" && a.job.webhook, {
    url: d2.url,
    status: "delivered",
    attempts: 2,
  });
  assert.equal(await link.send(["ZSCORE", jobs.keys.hooks, "a"]), null);
});
