// The demo's sequential figure, which its speed-up divides by: timed where the batch runs, on a
// warm worker. Timed on the calling thread after a token warm-up, it made the demo report 2.43x
// on 2 cores. thread_cost_tasks.ts costs 10x more on the calling thread or cold than on a warm
// worker, so an estimate timed in the wrong place is off by far more than load can explain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../../mod.ts";
import {
  demoBatch,
  type DemoTaskModule,
  scaleByWeight,
  sequentialEstimate,
  speedupOf,
} from "../../src/cli/demo_steps.ts";

const threadCost = new URL("../fixtures/thread_cost_tasks.ts", import.meta.url).href;

test("the sequential estimate is timed on a warm worker, not on the calling thread", async () => {
  // 40 equal ranges at 5 ms each on a warm worker: ~200 ms; on this thread (or cold), ~2 s every
  // time. Load can stretch one estimate (1,050 ms once, in a full suite run): the best of three
  // tries is judged.
  const ranges = Array.from({ length: 40 }, () => ({ from: 0, to: 1000 }));
  const tries: number[] = [];
  for (let i = 0; i < 3 && !tries.some((ms) => ms < 1000); i++) {
    const ms = await sequentialEstimate(threadCost, ranges);
    assert.ok(ms >= 200, `${ms} ms: below the 5 ms each task spins`);
    tries.push(ms);
  }
  const best = Math.min(...tries);
  assert.ok(
    best < 1000,
    `${tries.join(", ")} ms: the estimate was timed on the calling thread, or cold`,
  );
});

test("the demo's speed-up on 2 workers stays within its ideal", async () => {
  // Timed on the calling thread, the estimate is ~10x too high here: the speed-up comes out ~10x
  // the ideal, every time. Load can only stretch one timing against the other now and then (a
  // burst during the sample once gave 2x), so the test allows twice the ideal and three tries.
  const tries: string[] = [];
  for (let i = 0; i < 3; i++) {
    const pool = createPool<DemoTaskModule>(threadCost, { maxWorkers: 2, environment: "local" });
    try {
      const lines: string[] = [];
      const figures = await demoBatch(pool, { batch: 40, out: (l) => lines.push(...[l].flat()) });
      assert.ok(figures.workersUsed >= 1, lines.join("\n"));
      assert.ok(figures.speedup > 0);
      if (figures.speedup <= figures.ideal * 2) return;
      tries.push(
        `speed-up ${figures.speedup.toFixed(2)}x above twice the ideal ${figures.ideal}x:\n${
          lines.join("\n")
        }`,
      );
    } finally {
      await pool.closeNow();
    }
  }
  assert.fail(tries.join("\n\n"));
});

test("scaleByWeight scales the sample's time by the batch's weight over the sample's", () => {
  assert.equal(scaleByWeight(30, [1, 2], [1, 2, 3, 4]), 100);
  assert.equal(scaleByWeight(50, [5], [5]), 50);
  // A sample of the light end of a batch counts for less of it.
  assert.equal(scaleByWeight(10, [1, 1], [1, 1, 8, 10]), 100);
});

test("speedupOf divides the sequential time by the wall time; the ideal is workers capped by cores", () => {
  assert.deepEqual(speedupOf({ sequentialMs: 900, parallelMs: 500, workersUsed: 4, cores: 2 }), {
    speedup: 1.8,
    ideal: 2,
  });
  assert.deepEqual(speedupOf({ sequentialMs: 300, parallelMs: 100, workersUsed: 3, cores: 8 }), {
    speedup: 3,
    ideal: 3,
  });
  // Inline (no worker used): the ideal is 1, not 0.
  assert.deepEqual(speedupOf({ sequentialMs: 50, parallelMs: 50, workersUsed: 0, cores: 2 }), {
    speedup: 1,
    ideal: 1,
  });
});
