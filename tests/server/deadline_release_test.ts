// The shared deadlines (src/jobs/wait_deadlines.ts) keep a length's timer, unref'd, between
// requests; the server's close() lets those go. It reads the module's own count, so it runs on
// Deno and Bun only: the Node suite runs the server from dist/, whose module is not this one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { idleDeadlineTimers } from "../../src/jobs/wait_deadlines.ts";
import { call, startServer } from "./server_helpers.ts";

test("closing the server releases the timers the deadlines kept between requests", async () => {
  const s = await startServer({});
  let closed = false;
  try {
    const answered = await call(`${s.url}/jobs?wait=4000`, { json: { task: "echo", input: 1 } });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    // The body read's and the long-poll's lengths keep their timers for the next request.
    assert.ok(idleDeadlineTimers() >= 1, `${idleDeadlineTimers()} kept timers after a request`);
    await s.close();
    closed = true;
    assert.equal(idleDeadlineTimers(), 0, "the server's close let go of the kept timers");
  } finally {
    if (!closed) await s.close();
  }
});
