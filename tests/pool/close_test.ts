// Closing a pool with real workers: draining, deadlines, and cancelling everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PoolClosedError } from "../../mod.ts";
import { pool, rejection, sharedInts, until, within } from "../fixtures/pool_helpers.ts";

// ——— closing ———

test("close() lets queued and running tasks finish before it resolves", async () => {
  const p = pool();
  const order: string[] = [];
  try {
    const calls = [p.run("sleep", 20), p.run("sleep", 10), p.run("echo", 3), p.run("spin", 5)].map((
      c,
      i,
    ) => c.then(() => order.push(`task ${i}`)));
    const closed = p.close().then(() => order.push("closed"));
    assert.equal((await rejection(p.run("echo", 4))).name, "PoolClosedError");
    await within(Promise.all([...calls, closed]), 10_000, "close()");
    assert.equal(order.at(-1), "closed");
    assert.deepEqual(order.slice(0, -1).sort(), ["task 0", "task 1", "task 2", "task 3"]);
    assert.equal(p.workerCount, 0);
    const after = await rejection(p.run("echo", 5));
    assert.ok(after instanceof PoolClosedError);
    assert.match(after.message, /closed/);
  } finally {
    await p.closeNow();
  }
});

test("close({ timeoutMs }) cancels what is left at the deadline with PoolClosedError", async () => {
  const p = pool();
  try {
    await p.run("echo", "warm-up"); // the deadline must not pass while the worker starts
    const outcomes = Promise.allSettled([
      p.run("echo", "quick"),
      p.run("cooperativeLoop", undefined),
      p.run("echo", "behind the loop"),
    ]);
    await within(p.close({ timeoutMs: 50 }), 10_000, "close({ timeoutMs: 50 })");
    const [done, loop, queued] = await outcomes;
    assert.deepEqual(done, { status: "fulfilled", value: "quick" });
    for (const o of [loop, queued]) {
      assert.equal(o.status, "rejected");
      const e = (o as PromiseRejectedResult).reason;
      assert.ok(e instanceof PoolClosedError);
      assert.match(e.message, /close deadline of 50 ms/);
    }
    assert.equal(p.workerCount, 0);
  } finally {
    await p.closeNow();
  }
});

test("closeNow() rejects running and queued tasks with PoolClosedError", async () => {
  const p = pool();
  try {
    await p.run("echo", 0);
    const state = sharedInts();
    const calls = [p.run("stoppableLoop", state), p.run("echo", 1), p.run("echo", 2)].map(
      rejection,
    );
    await until(() => Atomics.load(state, 0) === 1, "the loop starting");
    await p.closeNow();
    for (const call of calls) {
      const e = await call;
      assert.ok(e instanceof PoolClosedError);
      assert.match(e.message, /closeNow/);
    }
    assert.deepEqual(p.stats().inFlight, 0);
    assert.equal(p.stats().queueDepth, 0);
  } finally {
    await p.closeNow();
  }
});
