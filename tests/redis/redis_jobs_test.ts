// The queue's scripts driven directly, with the test acting as nodes that take jobs and die:
// takeover of a dead node's runs, the dead-letter rule, one recorded result however many runs,
// the stream trimmed no further than its oldest pending entry, and the group recreated.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RedisJobs, type RedisLink } from "../../redis.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";

let redis: RedisServer;
let link: RedisLink;
let n = 0;
const bounds = { maxJobs: 10_000, maxQueue: 10_000, ttlMs: 60_000 };

before(async () => {
  redis = await startRedis();
  link = await redis.link();
});
after(async () => {
  await redis.close();
});

async function queueWith(count: number, key = ""): Promise<RedisJobs> {
  const jobs = new RedisJobs(link, `j${++n}`);
  await jobs.submit(
    Array.from({ length: count }, (_, i) => ({
      id: `job${i}`,
      request: { task: "echo", input: i, concurrencyKey: key || undefined },
      fingerprint: String(i),
    })),
    bounds,
  );
  return jobs;
}

test("a run whose node died is taken over, and a job delivered too often goes to the dead letters", async () => {
  const jobs = await queueWith(1);
  const [first] = await jobs.take("ghost-1", 1, 4);
  assert.equal(first.id, "job0");
  // ghost-1 never renews its claim: with an idle threshold of 0, ghost-2 takes it over.
  const [second] = await jobs.reclaim("ghost-2", { minIdleMs: 0, count: 10, maxDeliveries: 2 });
  assert.equal(second?.entry, first.entry);
  // A third delivery would pass maxDeliveries = 2: the job is poison.
  assert.deepEqual(
    await jobs.reclaim("ghost-3", { minIdleMs: 0, count: 10, maxDeliveries: 2 }),
    [],
  );
  assert.deepEqual(await jobs.deadLetters(), ["job0"]);
  const job = await jobs.lookup("job0");
  assert.equal(job.state === "found" && job.job.status, "failed");
  assert.equal(job.state === "found" && job.job.error?.name, "PoisonJobError");
  const pending = (await link.send(["XPENDING", jobs.keys.dispatch, "workers"])) as unknown[];
  assert.equal(Number(pending[0]), 0);
});

test("a job run twice has exactly one recorded result: the first", async () => {
  const jobs = await queueWith(1);
  const [run] = await jobs.take("slow", 1, 4);
  const [again] = await jobs.reclaim("fast", { minIdleMs: 0, count: 10, maxDeliveries: 5 });
  assert.equal(again.id, run.id);
  assert.deepEqual(await jobs.finish([{ ...again, kind: "ok", payload: '"fast"' }]), [1]);
  assert.deepEqual(await jobs.finish([{ ...run, kind: "ok", payload: '"slow"' }]), [0]);
  const job = await jobs.lookup(run.id);
  assert.equal(job.state === "found" && job.job.result, "fast");
  assert.equal(Number(await link.send(["GET", jobs.keys.recorded])), 1);
});

test("a heartbeat renews only the node's own runs and reports the ones it lost", async () => {
  const jobs = await queueWith(2);
  const runs = await jobs.take("a", 2, 4);
  await jobs.reclaim("b", { minIdleMs: 0, count: 1, maxDeliveries: 5 });
  const lost = await jobs.heartbeat("a", { runtime: "test" }, runs);
  assert.equal(lost.length, 1);
  const nodes = await jobs.nodes();
  assert.equal(nodes.find((x) => x.id === "a")?.runtime, "test");
});

test("upkeep trims the dispatch stream no further than its oldest pending entry", async () => {
  const jobs = await queueWith(5);
  const runs = await jobs.take("a", 5, 4);
  // Finish all but the second: the entries before it may go, it and those after must stay.
  await jobs.finish(
    runs.filter((_, i) => i !== 1).map((r) => ({ ...r, kind: "ok", payload: "1" })),
  );
  await jobs.maintain(60_000, 60_000);
  const left = (await link.send(["XRANGE", jobs.keys.dispatch, "-", "+"])) as [string][];
  assert.equal(left[0][0], runs[1].entry);
  assert.equal(left.length, 4);
  // The pending entry can still be taken over and finished.
  const [taken] = await jobs.reclaim("b", { minIdleMs: 0, count: 10, maxDeliveries: 5 });
  assert.equal(taken.id, runs[1].id);
  assert.deepEqual(await jobs.finish([{ ...taken, kind: "ok", payload: "2" }]), [1]);
});

test("keys take turns and each key's running jobs stay within the limit", async () => {
  const jobs = new RedisJobs(link, `j${++n}`);
  const submit = (id: string, key: string) =>
    jobs.submit(
      [{ id, request: { task: "echo", input: 0, concurrencyKey: key }, fingerprint: id }],
      bounds,
    );
  for (let i = 0; i < 6; i++) await submit(`flood${i}`, "flood");
  await submit("small0", "small");
  await submit("small1", "small");
  const ids = (await jobs.take("a", 10, 2)).map((c) => c.id);
  assert.deepEqual(ids, ["flood0", "small0", "flood1", "small1"]);
});

test("the consumer group comes back after Redis lost it", async () => {
  const jobs = await queueWith(1);
  await link.send(["DEL", jobs.keys.dispatch]);
  const [run] = await jobs.take("a", 1, 4);
  assert.equal(run.id, "job0");
});
