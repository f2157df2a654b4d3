// Cancelling a running job over HTTP aborts its task's signal in the worker, on both job stores:
// the task logs the abort it saw, the job ends `cancelled`, and the worker is free for the next
// job. Everything is real: the server on a loopback port, its pool, and redis-server.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { scratch, startNode, until } from "../redis/redis_helpers.ts";
import { type RedisServer, startRedis } from "../redis/redis_server.ts";
import { startMemoryNode } from "./memory_node.ts";
import { call } from "./server_helpers.ts";

function lines(log: string): string[] {
  return existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
}

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.close();
});

async function cancelRunning(node: { url: string }): Promise<void> {
  const log = join(scratch(), "log");
  const submitted = await call(`${node.url}/jobs`, {
    json: { task: "awaitAbort", input: { log } },
  });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const id: string = submitted.body.id;
  // The task itself says it runs: the abort must reach a task that really started.
  await until("the task to start", () => (lines(log).includes("started") ? true : undefined));
  const cancelled = await call(`${node.url}/jobs/${id}`, { method: "DELETE" });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.status, "cancelled");
  // The task's ctx.signal aborted in its worker (it never ends otherwise).
  await until("the task to see its signal abort", () => lines(log).length > 1 || undefined, 5000);
  assert.deepEqual(lines(log), ["started", "aborted AbortError"]);
  const job = await call(`${node.url}/jobs/${id}`);
  assert.equal(job.body.status, "cancelled");
  assert.equal(job.body.attempts, 1);
  assert.equal(job.body.error.name, "AbortError");
  // The one worker is free again: the aborted task let go of it.
  const next = await call(`${node.url}/jobs?wait=5000`, { json: { task: "echo", input: 7 } });
  assert.equal(next.status, 200, JSON.stringify(next.body));
  assert.equal(next.body.result, 7);
}

test("DELETE /jobs/:id aborts a running task's signal with the in-memory store", async () => {
  const node = await startMemoryNode();
  try {
    await cancelRunning(node);
  } finally {
    await node.close();
  }
});

test("DELETE /jobs/:id aborts a running task's signal with the Redis store", async () => {
  const node = await startNode(redis.url, { prefix: "cancel" }, {}, 1);
  try {
    await cancelRunning(node);
  } finally {
    await node.close();
  }
});
