// Quotas per tenant on the Redis queue, counted by its scripts: a concurrency key's waiting jobs
// are capped, a flood with a new key per job is capped per client address, the others still get
// in and run, and every count returns to zero once the jobs ran.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RedisLink } from "../../redis.ts";
import { postFrom } from "../server/raw_post.ts";
import { call } from "../server/server_helpers.ts";
import { scratch, startNode, until } from "./redis_helpers.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";

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

/** Submits `make(i)` until the node refuses one; returns how many it took and the refusal. */
async function flood(url: string, make: (i: number) => unknown) {
  for (let i = 0; i < 1000; i++) {
    const r = await call(`${url}/jobs`, { json: make(i) });
    if (r.status !== 202) return { accepted: i, refusal: r };
  }
  throw new Error("the flood was never refused");
}

/** Waits until the queue's waiting counts (in all, per key, per client) are all back to zero. */
async function countsDrained(prefix: string): Promise<void> {
  await until("the waiting counts to return to zero", async () => {
    const waiting = Number(await link.send(["GET", `{${prefix}}:waiting`]) ?? 0);
    const keys = Number(await link.send(["HLEN", `{${prefix}}:wkey`]));
    const clients = Number(await link.send(["HLEN", `{${prefix}}:wclient`]));
    return waiting === 0 && keys === 0 && clients === 0 ? true : undefined;
  }, 10_000);
}

test("Redis: with --max-queue 100, tenant A floods and tenant B's next 10 submissions are all accepted and run", async () => {
  const prefix = `quota${++n}`;
  const dir = scratch();
  const gate = join(dir, "gate");
  const log = join(dir, "log");
  const node = await startNode(redis.url, { prefix }, { maxQueue: 100, keyConcurrency: 1 });
  try {
    const a = await flood(node.url, () => ({ task: "hold", input: { gate }, concurrencyKey: "A" }));
    assert.ok(a.accepted >= 25 && a.accepted <= 26, `A got ${a.accepted} in`);
    assert.equal(a.refusal.status, 429);
    assert.equal(a.refusal.body.error.code, "key_quota_full");
    assert.match(a.refusal.body.error.message, /concurrencyKey "A" has 25 jobs waiting/);
    assert.equal(a.refusal.headers.get("retry-after"), "1");
    const b = [];
    for (let i = 0; i < 10; i++) {
      const json = { task: "mark", input: { n: i, log }, concurrencyKey: "B" };
      b.push(await call(`${node.url}/jobs`, { json }));
    }
    assert.deepEqual(b.map((r) => r.status), Array(10).fill(202));
    for (const r of b) {
      assert.equal(
        (await call(`${node.url}${r.body.statusUrl}?wait=20000`)).body.status,
        "succeeded",
      );
    }
    // Every job of B has started, so none counts as waiting for its key any more: checked now,
    // a count that never returns fails at once rather than after countsDrained's 10 s.
    const waitingB = await link.send(["HGET", `{${prefix}}:wkey`, "B"]);
    assert.equal(Number(waitingB ?? 0), 0, `B still counts ${waitingB} jobs waiting`);
    writeFileSync(gate, "");
    await countsDrained(prefix);
  } finally {
    writeFileSync(gate, "");
    await node.close();
  }
});

test("Redis: a flood with a new key per job is capped per client address, and another client still gets in", async () => {
  const prefix = `quota${++n}`;
  const dir = scratch();
  const gate = join(dir, "gate");
  const log = join(dir, "log");
  const node = await startNode(redis.url, { prefix }, { maxQueue: 100 });
  try {
    const r = await flood(
      node.url,
      (i) => ({ task: "hold", input: { gate }, concurrencyKey: `k${i}` }),
    );
    assert.equal(r.refusal.status, 429);
    assert.equal(r.refusal.body.error.code, "client_quota_full");
    assert.match(r.refusal.body.error.message, /client "127\.0\.0\.1" has 50 jobs waiting/);
    const other = [];
    for (let i = 0; i < 10; i++) {
      const json = { task: "mark", input: { n: i, log }, concurrencyKey: `other-${i}` };
      other.push(await postFrom(`${node.url}/jobs`, "127.0.0.2", json));
    }
    assert.deepEqual(other.map((o) => o.status), Array(10).fill(202));
    writeFileSync(gate, "");
    for (const o of other) {
      assert.equal(
        (await call(`${node.url}${o.body.statusUrl}?wait=20000`)).body.status,
        "succeeded",
      );
    }
    await countsDrained(prefix);
  } finally {
    writeFileSync(gate, "");
    await node.close();
  }
});

test("Redis: one tenant's finished jobs cannot fill --max-jobs or --max-store-bytes: it keeps its share, and others still get in", async () => {
  const prefix = `quota${++n}`;
  // A quarter of --max-queue per key: a quarter of 40 jobs and of 400 kB per key, half per client.
  const node = await startNode(redis.url, { prefix }, {
    maxQueue: 100,
    maxJobs: 40,
    maxStoreBytes: 400_000,
  });
  try {
    const done = (json: unknown) => call(`${node.url}/jobs?wait=20000`, { json });
    let a = 0;
    for (; a < 40; a++) {
      const r = await done({ task: "echo", input: a, concurrencyKey: "A" });
      if (r.status === 429) {
        assert.equal(r.body.error.code, "key_quota_full");
        assert.match(r.body.error.message, /"A" keeps 10 jobs, its share of --max-jobs/);
        break;
      }
    }
    assert.equal(a, 10);
    const input = "x".repeat(30_000);
    const b = [];
    for (let i = 0; i < 3; i++) b.push(await done({ task: "echo", input, concurrencyKey: "B" }));
    assert.deepEqual(b.map((r) => r.body.status ?? r.body.error.code), [
      "succeeded",
      "succeeded",
      "key_quota_full",
    ]);
    assert.match(b[2].body.error.message, /"B" keeps \d+ bytes, its share of --max-store-bytes/);
    let c = 0;
    for (; c < 40; c++) {
      const r = await done({ task: "echo", input: c, concurrencyKey: `c${c}` });
      if (r.status === 429) {
        assert.equal(r.body.error.code, "client_quota_full");
        assert.match(r.body.error.message, /client "127\.0\.0\.1" keeps 20 jobs/);
        break;
      }
    }
    assert.equal(c, 8);
    const other = await postFrom(`${node.url}/jobs`, "127.0.0.2", { task: "echo", input: 1 });
    assert.equal(other.status, 202);
  } finally {
    await node.close();
  }
});

test("Redis: a tenant's expired jobs leave its share, so it gets in again", async () => {
  const prefix = `quota${++n}`;
  const node = await startNode(redis.url, { prefix }, {
    maxQueue: 100,
    maxJobs: 8,
    jobTtlMs: 1500,
    sweepIntervalMs: 50,
  });
  try {
    const done = (json: unknown) => call(`${node.url}/jobs?wait=20000`, { json });
    const first = await done({ task: "echo", input: 0, concurrencyKey: "A" });
    await done({ task: "echo", input: 1, concurrencyKey: "A" });
    const refused = await done({ task: "echo", input: 2, concurrencyKey: "A" });
    assert.equal(refused.body.error?.code, "key_quota_full");
    await until("A's first job to expire", async () => {
      return (await call(`${node.url}/jobs/${first.body.id}`)).status === 410 ? true : undefined;
    });
    const again = await done({ task: "echo", input: 3, concurrencyKey: "A" });
    assert.equal(again.body.status, "succeeded", JSON.stringify(again.body));
  } finally {
    await node.close();
  }
});
