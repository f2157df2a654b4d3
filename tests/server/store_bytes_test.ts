// The in-memory store bounded in bytes: the --max-store-bytes budget and its return on expiry,
// --max-result, --max-body, reads that send no input, and pages bounded in bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, startServer } from "./server_helpers.ts";

/** A tenant's shares of the queue, and so of the store, lifted to the whole. */
const ONE_TENANT = { maxQueuePerKey: 1000, maxQueuePerClient: 1000 };

/** Polls `f` every 20 ms until it is true, or throws after `ms`. */
async function until(what: string, f: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("past --max-store-bytes a submission gets 429 store_bytes_full with Retry-After, and expiry gives the bytes back", async () => {
  // Tenants' shares lifted (by their share of the queue): this is the whole store's bound.
  const s = await startServer({
    maxStoreBytes: 350_000,
    jobTtlMs: 2000,
    sweepIntervalMs: 50,
    ...ONE_TENANT,
  });
  try {
    // 100,002 bytes of JSON in, as many out (echo): each job holds about 200 kB.
    const input = "x".repeat(100_000);
    const first = await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input } });
    assert.equal(first.body.status, "succeeded");
    const second = await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input } });
    assert.equal(second.body.status, "succeeded");
    for (const body of [{ task: "echo", input }, { task: "echo", input: 1 }]) {
      const refused = await call(`${s.url}/jobs`, { json: body });
      assert.equal(refused.status, 429, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, "store_bytes_full");
      assert.match(refused.body.error.message, /350000/);
      const after = Number(refused.headers.get("retry-after"));
      assert.ok(after >= 1 && after <= 2, `Retry-After ${after}`);
    }
    const batch = await call(`${s.url}/jobs/batch`, { json: [{ task: "echo", input }] });
    assert.equal(batch.body.error?.code, "store_bytes_full");
    // The first job expires (410): its 200 kB come back, and the same submission fits again.
    await until("the first job to expire", async () => {
      return (await call(`${s.url}/jobs/${first.body.id}`)).status === 410;
    });
    const again = await call(`${s.url}/jobs`, { json: { task: "echo", input } });
    assert.equal(again.status, 202, JSON.stringify(again.body));
  } finally {
    await s.close();
  }
});

test("a result over --max-result fails its job with ResultTooLargeError and is not stored", async () => {
  const s = await startServer({ maxResult: 1000 });
  try {
    const big = await call(`${s.url}/jobs?wait=10000`, { json: { task: "blob", input: 5000 } });
    assert.equal(big.body.status, "failed");
    assert.equal(big.body.error.name, "ResultTooLargeError");
    assert.match(big.body.error.message, /5002 bytes of JSON, over --max-result \(1000\)/);
    assert.equal(big.body.result, undefined);
    const read = await call(`${s.url}/jobs/${big.body.id}`);
    assert.equal(read.body.result, undefined);
    const small = await call(`${s.url}/jobs?wait=10000`, { json: { task: "blob", input: 500 } });
    assert.equal(small.body.status, "succeeded");
    assert.equal(small.body.result.length, 500);
  } finally {
    await s.close();
  }
});

test("a task's error message is cut at 4096 characters, so an error is no unbounded payload", async () => {
  const s = await startServer();
  try {
    const r = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "fail", input: "x".repeat(100_000) },
    });
    assert.equal(r.body.status, "failed");
    assert.equal(r.body.error.name, "RangeError");
    assert.ok(r.body.error.message.length < 4200, `${r.body.error.message.length} characters`);
    assert.match(r.body.error.message, /… \(95904 more characters cut\)$/);
  } finally {
    await s.close();
  }
});

test("one payload over --max-body keeps its 413", async () => {
  const s = await startServer({ maxBody: 1000 });
  try {
    const r = await call(`${s.url}/jobs`, { json: { task: "echo", input: "x".repeat(2000) } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, "body_too_large");
  } finally {
    await s.close();
  }
});

test("GET /jobs/:id and list pages send no input, and a page is cut at its byte bound with a cursor to read on", async () => {
  const s = await startServer();
  try {
    // A 900 kB input, a result of a few bytes: reads answer in a few hundred bytes.
    const input = "x".repeat(900_000);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(`${s.url}/jobs?wait=10000`, { json: { task: "size", input } });
      assert.equal(r.body.result, 900_000);
      ids.push(r.body.id);
    }
    const one = await (await fetch(`${s.url}/jobs/${ids[0]}`)).text();
    assert.ok(one.length < 1000, `GET /jobs/:id sent ${one.length} bytes`);
    const page = await (await fetch(`${s.url}/jobs?limit=5`)).text();
    assert.ok(page.length < 5000, `GET /jobs?limit=5 sent ${page.length} bytes`);
    assert.equal(JSON.parse(page).jobs.length, 5);

    // Three results of 2.5 MB: a 4 MiB page holds one, says it was cut, and the cursor goes on.
    const big: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${s.url}/jobs?wait=10000`, {
        json: { task: "blob", input: 2_500_000 },
      });
      assert.equal(r.body.status, "succeeded");
      big.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    for (;;) {
      const res = await fetch(`${s.url}/jobs?task=blob&limit=5${cursor}`);
      const text = await res.text();
      assert.ok(text.length < 4 * 1024 * 1024, `a page of ${text.length} bytes`);
      const body = JSON.parse(text);
      pages++;
      seen.push(...body.jobs.map((j: { id: string }) => j.id));
      if (body.nextCursor === undefined) break;
      assert.equal(body.cut, true);
      cursor = `&cursor=${body.nextCursor}`;
    }
    assert.deepEqual(seen, big);
    assert.equal(pages, 3);
  } finally {
    await s.close();
  }
});
