// map(): results in input order, heavy inputs first, small batches inline, the first failure
// rejecting the batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../../mod.ts";
import type { PoolOptions } from "../../mod.ts";
import { sharedInts, timersDueWithin } from "../fixtures/pool_helpers.ts";
import { watchAbortListeners } from "../fixtures/abort_listeners.ts";

type Tasks = typeof import("../fixtures/tasks.ts");
const tasksUrl = new URL("../fixtures/tasks.ts", import.meta.url);
const pool = (options: PoolOptions = {}) =>
  createPool<Tasks>(tasksUrl, { maxWorkers: 2, autotune: false, ...options });

test("map() returns results in input order and runs heavy inputs first", async () => {
  // One worker runs one task at a time, so the order the tasks log in shared memory is the
  // order map() handed them to the pool.
  const p = pool({ maxWorkers: 1, minWorkers: 1 });
  try {
    const log = sharedInts(31);
    const inputs = Array.from({ length: 30 }, (_, value) => ({ log, value }));
    const results = await p.map("logRun", inputs, {
      weight: ({ value }) => (value === 29 ? 5 : value === 10 ? 3 : 1),
      inline: false,
    });
    assert.deepEqual(results, inputs.map(({ value }) => value));
    assert.equal(Atomics.load(log, 0), 30, "each input ran once");
    const ran = Array.from(log.subarray(1));
    // Heaviest first, then the next heaviest, then equal weights in input order.
    const light = inputs.map(({ value }) => value).filter((v) => v !== 29 && v !== 10);
    assert.deepEqual(ran, [29, 10, ...light]);
  } finally {
    await p.closeNow();
  }
});

test("map() runs a batch with too little work to hand off inline on the calling thread", async () => {
  const p = pool();
  try {
    const light = { estimateMs: 0.01 }; // 2 tasks of 10 µs: below the profile's minWorkEstimate
    assert.deepEqual(await p.map("threadId", [undefined, undefined], light), ["main", "main"]);
    assert.equal(p.workerCount, 0);
    const inputs = Array.from({ length: 50 }, () => undefined);
    const big = await p.map("threadId", inputs, { estimateMs: 1 });
    assert.ok(big.every((t) => t.startsWith("workloom-")), big.join());
  } finally {
    await p.closeNow();
  }
});

test("map() rejects with the first failure and cancels the rest", async () => {
  const p = pool({ maxWorkers: 1 });
  try {
    await assert.rejects(
      p.map("fail", Array.from({ length: 40 }, (_, i) => `bad ${i}`), { inline: false }),
      { name: "RangeError", message: "bad 0" },
    );
    assert.equal(p.stats().queueDepth, 0);
  } finally {
    await p.closeNow();
  }
});

test("map() of 50 inputs with a signal adds one abort listener per signal, not one per task", async () => {
  const p = pool();
  const watch = watchAbortListeners();
  try {
    const inputs = Array.from({ length: 50 }, (_, i) => i);
    const signal = new AbortController().signal;
    assert.deepEqual(await p.map("echo", inputs, { signal, inline: false }), inputs);
    await timersDueWithin(0); // Node emits its warning a tick after the listener that caused it
    assert.deepEqual(watch.warnings, []);
    assert.ok(watch.peak <= 2, `${watch.peak} abort listeners on one signal at once`);
    assert.equal(watch.live(), 0, "abort listeners left behind once the map settled");
  } finally {
    watch.stop();
    await p.closeNow();
  }
});

test("maps and runs sharing one long-lived signal leave no abort listener behind", async () => {
  const p = pool();
  const watch = watchAbortListeners();
  try {
    const signal = new AbortController().signal;
    const inputs = Array.from({ length: 20 }, (_, i) => i);
    for (let round = 0; round < 20; round++) {
      const [mapped, ...ran] = await Promise.all([
        p.map("echo", inputs, { signal, inline: false }),
        ...inputs.map((i) => p.run("echo", i, { signal })),
      ]);
      assert.deepEqual(mapped, inputs);
      assert.deepEqual(ran, inputs);
      assert.equal(watch.live(), 0, `abort listeners left behind after round ${round}`);
    }
    await timersDueWithin(0);
    assert.deepEqual(watch.warnings, []);
    assert.ok(watch.peak <= 2, `${watch.peak} abort listeners on one signal at once`);
  } finally {
    watch.stop();
    await p.closeNow();
  }
});
