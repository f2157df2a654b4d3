import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../../mod.ts";

// A worker past its spin sleeps on its mailbox (Atomics.wait) for up to 50 ms: the pool must
// wake it for a hand-off and for a message, or each call waits out the sleep. The bounds below
// are 40 calls against the 2 s that 40 sleeps would take: a wide margin on a loaded machine.

test("a worker asleep on its mailbox is woken by the hand-off, not by the end of its sleep", async () => {
  const pool = createPool<typeof import("../fixtures/tasks.ts")>(
    new URL("../fixtures/tasks.ts", import.meta.url),
    { minWorkers: 1, maxWorkers: 1 },
  );
  try {
    await pool.run("echo", 0);
    // Each call finds the worker asleep (a timer between calls outlasts its spin).
    const t0 = performance.now();
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 1));
      assert.equal(await pool.run("echo", i), i);
    }
    const ms = performance.now() - t0;
    assert.ok(ms < 1_500, `40 calls to a sleeping worker took ${ms.toFixed(0)} ms`);
  } finally {
    await pool.close();
  }
});

test("a worker asleep on its mailbox is woken by a message posted to it", async () => {
  const pool = createPool<typeof import("../fixtures/tasks.ts")>(
    new URL("../fixtures/tasks.ts", import.meta.url),
    { minWorkers: 1, maxWorkers: 1 },
  );
  try {
    await pool.run("echo", 0);
    // An object input does not fit the mailbox: it goes by message, to a sleeping worker.
    const t0 = performance.now();
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 1));
      assert.equal(await pool.run("add", { a: i, b: 1 }), i + 1);
    }
    const ms = performance.now() - t0;
    assert.ok(ms < 1_500, `40 messages to a sleeping worker took ${ms.toFixed(0)} ms`);
  } finally {
    await pool.close();
  }
});
