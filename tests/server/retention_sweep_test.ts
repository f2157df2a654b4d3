// The retention sweep runs on its own timer: a finished job past its TTL expires (410) though
// no request comes in. The test reads the store directly, so nothing but the timer can sweep.
import assert from "node:assert/strict";
import { test } from "node:test";
import { until } from "../redis/redis_helpers.ts";
import { call, startServer } from "./server_helpers.ts";

test("a finished job past its TTL expires on the sweep timer, with no request to trigger it", async () => {
  const s = await startServer({ jobTtlMs: 100, sweepIntervalMs: 20 });
  try {
    const done = await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input: 1 } });
    assert.equal(done.status, 200);
    const id: string = done.body.id;
    // No HTTP request from here on: only the server's timer can sweep the store.
    const state = await until("the job to expire", async () => {
      const now = await s.server.store.lookup(id);
      return now.state === "found" ? undefined : now.state;
    }, 3000);
    assert.equal(state, "expired");
    assert.equal((await call(`${s.url}/jobs/${id}`)).status, 410);
  } finally {
    await s.close();
  }
});
