import { test } from "node:test";
import assert from "node:assert/strict";
import { planDispatch } from "../../src/engine/dispatch_plan.ts";

test("planDispatch starts a worker for each queued task beyond the workers with room", () => {
  const cases: [number, number[], number, number, number[], number][] = [
    // queued, rooms, canSpawn, perWorker → counts, spawn
    [100, [101], 1, 101, [50, 50], 1], // a cheap task's prefetch could hold them all: not alone
    [60, [2], 1, 2, [2, 2], 1],
    [4, [], 8, 2, [1, 1, 1, 1], 4], // min(queued, may start) at once
    [2, [1], 3, 2, [1, 1], 1], // a busy worker with room for one, and a second task
    [1, [4], 1, 4, [1], 0], // one task, one idle worker: none starts
    [2, [4, 4], 2, 4, [1, 1], 0], // enough workers with room already
  ];
  for (const [queued, rooms, canSpawn, perWorker, counts, spawn] of cases) {
    assert.deepEqual(
      planDispatch(queued, rooms, canSpawn, perWorker),
      { counts, spawn },
      `queued ${queued}, rooms ${rooms}, canSpawn ${canSpawn}`,
    );
  }
});
