import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../../mod.ts";

// A worker dozes on its mailbox only after a lone task (a caller awaiting one call at a time).
// After a batch, which means a backlog whose next tasks come by message, it waits in its event
// loop: `stats().handedOff` counts the calls handed over through the mailbox, which only a
// dozing worker takes.

test("after a batch the worker waits in its event loop; after a lone task it dozes again", async () => {
  const pool = createPool<typeof import("../fixtures/tasks.ts")>(
    new URL("../fixtures/tasks.ts", import.meta.url),
    { minWorkers: 1, maxWorkers: 1 },
  );
  try {
    // Measured first: a name's run time sizes its prefetch, so each batch below goes in one message.
    for (let i = 0; i < 5; i++) assert.equal(await pool.run("echo", i), i);
    // Small batches: the call after one comes right after its results, well within the 50 ms a
    // dozing worker sleeps on its mailbox, even on a loaded machine.
    const inputs = Array.from({ length: 20 }, (_, i) => i);
    // At once after a batch the worker is not dozing, so the call goes by message, every time. A
    // worker that dozed after the batch would take it through the mailbox unless this thread came
    // back after the worker's sleep: ten rounds, so that one is enough. (The worker says it dozes
    // before its results go out, so the pool cannot read them first and find it not yet dozing.)
    let handedAfterBatch = 0;
    for (let round = 0; round < 10; round++) {
      assert.deepEqual(await Promise.all(inputs.map((i) => pool.run("echo", i))), inputs);
      const afterBatch = pool.stats().handedOff;
      assert.equal(await pool.run("echo", -1), -1);
      handedAfterBatch += pool.stats().handedOff - afterBatch;
    }
    assert.equal(handedAfterBatch, 0, "a call right after a batch was handed over");
    // That lone task sent the worker dozing: the calls after it are handed over. A call that
    // comes back after the worker's 50 ms sleep (this thread descheduled on a loaded machine)
    // goes by message, so a run of 10 calls is judged on 4 of them, best of five runs; a worker
    // that never dozes hands over none.
    let best = 0;
    for (let run = 0; run < 5 && best < 4; run++) {
      const before = pool.stats().handedOff;
      for (let i = 0; i < 10; i++) assert.equal(await pool.run("echo", i), i);
      best = Math.max(best, pool.stats().handedOff - before);
    }
    assert.ok(best >= 4, `at best ${best} of 10 sequential calls were handed over`);
  } finally {
    await pool.close();
  }
});
