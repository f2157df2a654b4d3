// The retention sweep runs on its own timer: a finished job past its TTL expires (410) though
// no request comes in. The test reads the store directly, so nothing but the timer can sweep;
// on both stores (the Redis one sweeps by its MAINTAIN script on the same timer).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { JobServer } from "../../server.ts";
import { startNode, until } from "../redis/redis_helpers.ts";
import { type RedisServer, startRedis } from "../redis/redis_server.ts";
import { call, startServer } from "./server_helpers.ts";

const OPTIONS = { jobTtlMs: 100, sweepIntervalMs: 20 };

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.close();
});

async function expiresByItself(node: { url: string; server: JobServer }): Promise<void> {
  const done = await call(`${node.url}/jobs?wait=10000`, { json: { task: "echo", input: 1 } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const id: string = done.body.id;
  // No HTTP request from here on: only the server's timer can sweep the store.
  const state = await until("the job to expire", async () => {
    const now = await node.server.store.lookup(id);
    return now.state === "found" ? undefined : now.state;
  }, 3000);
  assert.equal(state, "expired");
  assert.equal((await call(`${node.url}/jobs/${id}`)).status, 410);
}

test("a finished job past its TTL expires on the sweep timer, with no request (in memory)", async () => {
  const s = await startServer(OPTIONS);
  try {
    await expiresByItself(s);
  } finally {
    await s.close();
  }
});

test("a finished job past its TTL expires on the sweep timer, with no request (Redis)", async () => {
  const node = await startNode(redis.url, { prefix: "sweep" }, OPTIONS, 1);
  try {
    await expiresByItself(node);
  } finally {
    await node.close();
  }
});
