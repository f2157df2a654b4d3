// The demo's sequential figure, which its speed-up divides by: timed where the batch runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sequentialEstimate } from "../../src/cli/demo_steps.ts";

const threadCost = new URL("../fixtures/thread_cost_tasks.ts", import.meta.url).href;

test("the sequential estimate is timed on a warm worker, not on the calling thread", async () => {
  // 40 equal ranges of a task that costs 1 ms on a warm worker and 20 ms on the calling thread
  // (or cold): timed where the batch runs, the batch is ~40 ms of work; timed on this thread,
  // ~800 ms, and the demo's speed-up came out above the ideal (2.43x on 2 cores).
  const ranges = Array.from({ length: 40 }, () => ({ from: 0, to: 1000 }));
  const ms = await sequentialEstimate(threadCost, ranges);
  assert.ok(ms >= 40, `${ms} ms: below the 1 ms each task spins`);
  assert.ok(ms < 400, `${ms} ms: the estimate was timed on the calling thread, or cold`);
});
