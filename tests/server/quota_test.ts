// Quotas per tenant on the in-memory store: a concurrency key's waiting jobs are capped
// (--max-queue-per-key), jobs without a key share one key's quota, and a flood that uses a new
// key per job is capped per client address (--max-queue-per-client). A second client address
// on loopback (127.0.0.2) is a real second client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { postFrom } from "./raw_post.ts";
import { call, startServer } from "./server_helpers.ts";

/** Submits `make(i)` until the server refuses one; returns how many it took and the refusal. */
async function flood(
  url: string,
  make: (i: number) => unknown,
): Promise<{ accepted: number; refusal: Awaited<ReturnType<typeof call>> }> {
  for (let i = 0; i < 1000; i++) {
    const r = await call(`${url}/jobs`, { json: make(i) });
    if (r.status !== 202) return { accepted: i, refusal: r };
  }
  throw new Error("the flood was never refused");
}

test("with --max-queue 100, tenant A floods and tenant B's next 10 submissions are all accepted and run", async () => {
  const s = await startServer({ maxQueue: 100, keyConcurrency: 1, concurrency: 2 }, {
    maxWorkers: 2,
  });
  try {
    const a = await flood(s.url, () => ({ task: "sleep", input: 60_000, concurrencyKey: "A" }));
    // A quarter of --max-queue waits; one more may have started already.
    assert.ok(a.accepted >= 25 && a.accepted <= 26, `A got ${a.accepted} in`);
    assert.equal(a.refusal.status, 429);
    assert.equal(a.refusal.body.error.code, "key_quota_full");
    assert.match(a.refusal.body.error.message, /concurrencyKey "A" has 25 jobs waiting/);
    assert.equal(a.refusal.headers.get("retry-after"), "1");
    const b = [];
    for (let i = 0; i < 10; i++) {
      b.push(
        await call(`${s.url}/jobs`, { json: { task: "mark", input: i, concurrencyKey: "B" } }),
      );
    }
    assert.deepEqual(b.map((r) => r.status), Array(10).fill(202));
    for (const r of b) {
      const done = await call(`${s.url}${r.body.statusUrl}?wait=20000`);
      assert.equal(done.body.status, "succeeded");
    }
  } finally {
    await s.close();
  }
});

test("jobs without a concurrencyKey share one key's quota", async () => {
  const s = await startServer({ maxQueue: 40, concurrency: 1 });
  try {
    const r = await flood(s.url, () => ({ task: "sleep", input: 60_000 }));
    assert.ok(r.accepted >= 10 && r.accepted <= 11, `${r.accepted} got in`);
    assert.equal(r.refusal.body.error.code, "key_quota_full");
    assert.match(r.refusal.body.error.message, /the jobs without a concurrencyKey/);
    // Another key still gets in.
    const other = await call(`${s.url}/jobs`, {
      json: { task: "echo", input: 1, concurrencyKey: "x" },
    });
    assert.equal(other.status, 202);
  } finally {
    await s.close();
  }
});

test("a flood with a new key per job is capped per client address, and another client still gets in and runs", async () => {
  const s = await startServer({ maxQueue: 100, concurrency: 2 }, { maxWorkers: 2 });
  try {
    const r = await flood(s.url, (i) => ({ task: "sleep", input: 200, concurrencyKey: `k${i}` }));
    assert.equal(r.refusal.status, 429);
    assert.equal(r.refusal.body.error.code, "client_quota_full");
    assert.match(r.refusal.body.error.message, /client "127\.0\.0\.1" has 50 jobs waiting/);
    const other = [];
    for (let i = 0; i < 10; i++) {
      const json = { task: "mark", input: i, concurrencyKey: `other-${i}` };
      other.push(await postFrom(`${s.url}/jobs`, "127.0.0.2", json));
    }
    assert.deepEqual(other.map((o) => o.status), Array(10).fill(202));
    for (const o of other) {
      const done = await call(`${s.url}${o.body.statusUrl}?wait=20000`);
      assert.equal(done.body.status, "succeeded");
    }
  } finally {
    await s.close();
  }
});

test("one tenant's finished jobs cannot fill --max-jobs or --max-store-bytes: it keeps its share, and others still get in", async () => {
  // A quarter of --max-queue per key: a quarter of 40 jobs and of 400 kB per key, half per client.
  const s = await startServer({ maxQueue: 100, maxJobs: 40, maxStoreBytes: 400_000 });
  try {
    const done = (json: unknown) => call(`${s.url}/jobs?wait=10000`, { json });
    let a = 0;
    for (; a < 40; a++) {
      const r = await done({ task: "echo", input: a, concurrencyKey: "A" });
      if (r.status === 429) {
        assert.equal(r.body.error.code, "key_quota_full");
        assert.match(r.body.error.message, /"A" keeps 10 jobs, its share of --max-jobs/);
        assert.ok(Number(r.headers.get("retry-after")) > 1000, "until A's jobs expire");
        break;
      }
    }
    assert.equal(a, 10);
    // 30 kB in and out per job: B's third would pass its 100 kB.
    const input = "x".repeat(30_000);
    const b = [];
    for (let i = 0; i < 3; i++) b.push(await done({ task: "echo", input, concurrencyKey: "B" }));
    assert.deepEqual(b.map((r) => r.body.status ?? r.body.error.code), [
      "succeeded",
      "succeeded",
      "key_quota_full",
    ]);
    assert.match(b[2].body.error.message, /"B" keeps 120008 bytes, its share of --max-store-bytes/);
    // A new key per job: this client keeps 12 now, and half of 40 in all.
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
    const other = await postFrom(`${s.url}/jobs`, "127.0.0.2", { task: "echo", input: 1 });
    assert.equal(other.status, 202);
  } finally {
    await s.close();
  }
});
