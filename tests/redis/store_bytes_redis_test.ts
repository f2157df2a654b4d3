// The Redis queue bounded in bytes: the scripts' count of the payload bytes kept (--max-store-
// bytes) and its return on expiry, --max-result, each payload held once (the fingerprint is a
// hash), and reads that fetch only what they send (measured by the bytes Redis sent out).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RedisLink } from "../../redis.ts";
import { call } from "../server/server_helpers.ts";
import { startNode, until } from "./redis_helpers.ts";
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

async function bytesKept(prefix: string): Promise<number> {
  return Number(await link.send(["GET", `{${prefix}}:bytes`]) ?? 0);
}

/** Bytes Redis has sent to all its clients so far. */
async function sentByRedis(): Promise<number> {
  const info = String(await link.send(["INFO", "stats"]));
  return Number(/total_net_output_bytes:(\d+)/.exec(info)![1]);
}

test("Redis: past --max-store-bytes a submission gets 429 store_bytes_full, the scripts count the bytes exactly, and expiry gives them back", async () => {
  const prefix = `bytes${++n}`;
  const node = await startNode(redis.url, { prefix }, {
    maxStoreBytes: 350_000,
    jobTtlMs: 2000,
    sweepIntervalMs: 50,
    // Tenants' shares lifted (by their share of the queue): this is the whole store's bound.
    maxQueuePerKey: 1000,
    maxQueuePerClient: 1000,
  });
  try {
    const input = "x".repeat(100_000);
    // With its own timeout the request is stored as sent (without one, the server's default
    // job timeout would be added to it).
    const job = { task: "echo", input, timeoutMs: 60_000 };
    const request = JSON.stringify(job);
    const first = await call(`${node.url}/jobs?wait=20000`, { json: job });
    assert.equal(first.body.status, "succeeded");
    const second = await call(`${node.url}/jobs?wait=20000`, { json: job });
    assert.equal(second.body.status, "succeeded");
    // Each job keeps its request, as stored, and its result (the input's JSON) once.
    const stored = String(
      await link.send(["HGET", `{${prefix}}:job:${first.body.id}`, "request"]),
    );
    assert.equal(stored, request);
    const perJob = request.length + JSON.stringify(input).length;
    assert.equal(await bytesKept(prefix), 2 * perJob);
    const refused = await call(`${node.url}/jobs`, { json: job });
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "store_bytes_full");
    const wait = Number(refused.headers.get("retry-after"));
    assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
    await until("the first job to expire", async () => {
      const r = await call(`${node.url}/jobs/${first.body.id}`);
      return r.status === 410 ? true : undefined;
    });
    // The first job's bytes are given back (the second's too, if it expired meanwhile).
    const left = await bytesKept(prefix);
    assert.ok(left === perJob || left === 0, `${left} bytes kept after the expiry`);
    const again = await call(`${node.url}/jobs`, { json: job });
    assert.equal(again.status, 202, JSON.stringify(again.body));
  } finally {
    await node.close();
  }
});

test("Redis: a result over --max-result fails its job with ResultTooLargeError and never reaches Redis", async () => {
  const prefix = `bytes${++n}`;
  const node = await startNode(redis.url, { prefix }, { maxResult: 1000 });
  try {
    const big = await call(`${node.url}/jobs?wait=20000`, { json: { task: "blob", input: 5000 } });
    assert.equal(big.body.status, "failed");
    assert.equal(big.body.error.name, "ResultTooLargeError");
    const key = `{${prefix}}:job:${big.body.id}`;
    assert.equal(Number(await link.send(["HEXISTS", key, "result"])), 0);
    // The job's bytes are its request and its error, as Redis measures them.
    const kept = Number(await link.send(["HSTRLEN", key, "request"])) +
      Number(await link.send(["HSTRLEN", key, "error"]));
    assert.equal(Number(await link.send(["HGET", key, "bytes"])), kept);
    assert.equal(await bytesKept(prefix), kept);
  } finally {
    await node.close();
  }
});

test("Redis: a task's error message is cut at 4096 characters before it is stored", async () => {
  const prefix = `bytes${++n}`;
  const node = await startNode(redis.url, { prefix });
  try {
    const r = await call(`${node.url}/jobs?wait=20000`, {
      json: { task: "shout", input: 100_000 },
    });
    assert.equal(r.body.status, "failed");
    const stored = Number(await link.send(["HSTRLEN", `{${prefix}}:job:${r.body.id}`, "error"]));
    assert.ok(stored < 4300, `${stored} bytes of error stored`);
    assert.match(r.body.error.message, /more characters cut\)$/);
  } finally {
    await node.close();
  }
});

test("Redis: a 20 MB input is stored once, and GET /jobs/:id and GET /jobs?limit=5 read almost nothing of it", async () => {
  const prefix = `bytes${++n}`;
  const node = await startNode(redis.url, { prefix }, { maxBody: 32 << 20 });
  try {
    const input = "x".repeat(20 << 20);
    const keyed = await call(`${node.url}/jobs?wait=20000`, {
      json: { task: "pid", input },
      headers: { "idempotency-key": "twenty" },
    });
    assert.equal(keyed.body.status, "succeeded", JSON.stringify(keyed.body).slice(0, 300));
    const plain = await call(`${node.url}/jobs?wait=20000`, { json: { task: "pid", input } });
    assert.equal(plain.body.status, "succeeded");
    const keyedKey = `{${prefix}}:job:${keyed.body.id}`;
    // The fingerprint is a hash, and only a keyed submission has one.
    assert.equal(Number(await link.send(["HSTRLEN", keyedKey, "fp"])), 43);
    assert.equal(Number(await link.send(["HEXISTS", `{${prefix}}:job:${plain.body.id}`, "fp"])), 0);
    // Every field of the job's hash together: the input once, and a few hundred bytes besides.
    let stored = 0;
    for (const field of (await link.send(["HKEYS", keyedKey])) as string[]) {
      stored += Number(await link.send(["HSTRLEN", keyedKey, field]));
    }
    assert.ok(stored < input.length + 1000, `the job's hash holds ${stored} bytes`);

    const before = await sentByRedis();
    const one = await (await fetch(`${node.url}/jobs/${keyed.body.id}`)).text();
    const page = await (await fetch(`${node.url}/jobs?limit=5`)).text();
    const sent = (await sentByRedis()) - before;
    assert.ok(one.length < 1000 && page.length < 2000, `${one.length} and ${page.length} bytes`);
    assert.equal(JSON.parse(page).jobs.length, 2);
    assert.ok(sent < 512 * 1024, `Redis sent ${sent} bytes for two reads`);
  } finally {
    await node.close();
  }
});

test("Redis: a list page is cut at its byte bound and says where to read on", async () => {
  const prefix = `bytes${++n}`;
  const node = await startNode(redis.url, { prefix });
  try {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${node.url}/jobs?wait=20000`, {
        json: { task: "blob", input: 2_500_000 },
      });
      assert.equal(r.body.status, "succeeded");
      ids.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor = "";
    for (let pages = 1;; pages++) {
      const text = await (await fetch(`${node.url}/jobs?limit=5${cursor}`)).text();
      assert.ok(text.length < 4 * 1024 * 1024, `a page of ${text.length} bytes`);
      const body = JSON.parse(text);
      seen.push(...body.jobs.map((j: { id: string }) => j.id));
      if (body.nextCursor === undefined) {
        assert.equal(pages, 3);
        break;
      }
      assert.equal(body.cut, true);
      cursor = `&cursor=${body.nextCursor}`;
    }
    assert.deepEqual(seen, ids);
  } finally {
    await node.close();
  }
});
