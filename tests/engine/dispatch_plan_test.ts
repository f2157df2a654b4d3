import { test } from "node:test";
import assert from "node:assert/strict";
import { planDispatch } from "../../src/engine/dispatch_plan.ts";

test("planDispatch spreads a burst over every worker with room, least busy first", () => {
  const cases: [number, number[], number, number, number[], number][] = [
    // queued, rooms, canSpawn, perWorker → counts, spawn
    [10, [4, 4], 0, 4, [4, 4], 0],
    [4, [4, 4], 0, 4, [2, 2], 0],
    [1, [1, 3], 0, 4, [0, 1], 0],
    [3, [0], 1, 2, [0, 2], 1],
    [5, [0, 0], 3, 1, [0, 0, 1, 1, 1], 3],
    [0, [4], 2, 4, [0], 0],
    [7, [0, 0], 0, 4, [0, 0], 0],
    [3, [], 2, 1, [1, 1], 2],
  ];
  for (const [queued, rooms, canSpawn, perWorker, counts, spawn] of cases) {
    assert.deepEqual(
      planDispatch(queued, rooms, canSpawn, perWorker),
      { counts, spawn },
      `queued ${queued}, rooms ${rooms}, canSpawn ${canSpawn}`,
    );
  }
});

test("planDispatch never gives a worker more than its room nor more than is queued", () => {
  for (let queued = 0; queued < 40; queued += 3) {
    const rooms = [5, 0, 9, 2];
    const { counts } = planDispatch(queued, rooms, 0, 8);
    counts.forEach((c, i) => assert.ok(c <= rooms[i]));
    assert.equal(counts.reduce((a, b) => a + b, 0), Math.min(queued, 16));
  }
});
