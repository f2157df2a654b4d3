// Retry backoff doubles, on both job stores: each retry records when its backoff ends (`runAt`),
// and the test reads the delays from those scheduled times against the failed attempt's start,
// so that it needs to wait only the backoffs themselves (0.4 s, then 0.8 s).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createClient, type JobEvent } from "../../client.ts";
import { type RedisTasks, scratch, startNode } from "../redis/redis_helpers.ts";
import { type RedisServer, startRedis } from "../redis/redis_server.ts";
import { startMemoryNode } from "./memory_node.ts";

const BACKOFF_MS = 400;

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.close();
});

/**
 * Submits a job whose task always throws, with 3 attempts, follows its events to the end, and
 * checks each retry's scheduled delay: `runAt − startedAt` of the failed attempt is at least the
 * backoff (the attempt failed after it started) and less than the next doubling (the slack is
 * the attempt's own run: dispatch, throw, record).
 */
async function checkBackoff(url: string): Promise<void> {
  const client = createClient<RedisTasks>(url);
  const log = join(scratch(), "log");
  // A first job starts the worker, so that no attempt's run includes a worker's start.
  assert.equal((await client.wait((await client.submit("echo", 1)).id)).status, "succeeded");
  const job = await client.submit("fail", { log }, { attempts: 3, backoffMs: BACKOFF_MS });
  const events: JobEvent[] = [];
  for await (const e of client.events(job.id)) events.push(e);
  const last = events.at(-1)!.job;
  assert.equal(last.status, "failed", JSON.stringify(last));
  assert.equal(last.attempts, 3);
  // While a retry waits (delayed, then queued), the job holds the failed attempt's start and the
  // time its backoff ends.
  const waits = new Map<number, number>();
  for (const { job: j } of events) {
    if ((j.status !== "delayed" && j.status !== "queued") || j.runAt === undefined) continue;
    waits.set(j.attempts, Date.parse(j.runAt) - Date.parse(j.startedAt!));
  }
  const seen = JSON.stringify([...waits]);
  assert.deepEqual([...waits.keys()], [1, 2], `a retry wait after attempts 1 and 2: ${seen}`);
  for (const [attempt, waited] of waits) {
    const backoff = BACKOFF_MS * 2 ** (attempt - 1);
    assert.ok(waited >= backoff, `after attempt ${attempt}: ${waited} ms < ${backoff} ms`);
    assert.ok(
      waited < 2 * backoff,
      `after attempt ${attempt}: ${waited} ms, over twice ${backoff}`,
    );
  }
  // The last attempt started no earlier than its scheduled time.
  const lastRunAt = Date.parse(events.findLast((e) => e.job.runAt)!.job.runAt!);
  assert.ok(Date.parse(last.startedAt!) >= lastRunAt, "the third attempt started early");
}

/** A job submitted with `delayMs` is delayed until `runAt`, its submission time plus the delay. */
async function checkDelayed(url: string): Promise<void> {
  const client = createClient<RedisTasks>(url);
  const job = await client.submit("echo", 1, { delayMs: 300 });
  assert.equal(job.status, "delayed");
  const held = await client.get(job.id);
  const waited = Date.parse(held.runAt!) - Date.parse(held.submittedAt);
  assert.ok(waited >= 300 && waited < 350, `runAt is ${waited} ms after submission`);
  const done = await client.wait(job.id, { timeoutMs: 5000 });
  assert.equal(done.status, "succeeded");
  assert.ok(Date.parse(done.startedAt!) >= Date.parse(held.runAt!), "it started before runAt");
}

test("runAt shows a delayed job's time, and retry delays double, in memory: 1×, then 2× backoffMs", async () => {
  const node = await startMemoryNode();
  try {
    await checkDelayed(node.url);
    await checkBackoff(node.url);
  } finally {
    await node.close();
  }
});

test("runAt shows a delayed job's time, and retry delays double, on Redis: 1×, then 2× backoffMs", async () => {
  const node = await startNode(redis.url, { prefix: "backoff", pollMs: 50 }, {}, 1);
  try {
    await checkDelayed(node.url);
    await checkBackoff(node.url);
  } finally {
    await node.close();
  }
});
