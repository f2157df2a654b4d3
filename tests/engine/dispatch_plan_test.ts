import { test } from "node:test";
import assert from "node:assert/strict";
import {
  laneLimit,
  type LaneLimitInput,
  planDispatch,
  RunTimes,
  workerRoom,
} from "../../src/engine/dispatch_plan.ts";

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

const base: LaneLimitInput = {
  lane: "worker",
  concurrency: 1,
  meanRunMs: -1,
  queued: 0,
  workers: 2,
  maxTasksPerWorker: 0,
};

test("laneLimit holds one running task plus ~1 ms of measured prefetch, and one more under a backlog", () => {
  const cases: [Partial<LaneLimitInput>, number][] = [
    [{}, 1], // nothing measured yet: no prefetch
    [{ meanRunMs: 5 }, 1], // long tasks: each its own round trip
    [{ meanRunMs: 5, queued: 4 }, 2], // a backlog: keep one waiting in each worker
    [{ meanRunMs: 0.1 }, 11], // 1 + 1 ms / 0.1 ms
    [{ meanRunMs: 0.0001 }, 1001], // tiny tasks: timed at no less than 1 µs each
    [{ lane: "async", concurrency: 64, meanRunMs: 20 }, 67], // async lane: 64 + 64 × 1 ms / 20 ms
    [{ meanRunMs: 0.1, maxTasksPerWorker: 4 }, 4], // recycling bounds it
  ];
  for (const [input, expected] of cases) {
    assert.equal(laneLimit({ ...base, ...input }), expected, JSON.stringify(input));
  }
});

test("workerRoom is what is left of the limit, never below zero, and none for a retiring worker", () => {
  const w = { taking: true, laneInFlight: { worker: 1, async: 3 }, sent: 9, freeSlots: 4000 };
  assert.equal(workerRoom(w, "worker", 4, 0), 3);
  assert.equal(workerRoom(w, "async", 2, 0), 0);
  assert.equal(workerRoom(w, "worker", 4, 10), 1); // recycled after 10: one more
  assert.equal(workerRoom({ ...w, freeSlots: 2 }, "worker", 4, 0), 2);
  assert.equal(workerRoom({ ...w, taking: false }, "worker", 4, 0), 0);
});

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

test("RunTimes keeps one mean per task name, -1 for a name never measured", () => {
  const times = new RunTimes();
  assert.equal(times.mean("render"), -1);
  times.record("render", 10, 1);
  times.record("countPrimes", 2, 40);
  assert.equal(times.mean("render"), 0.1);
  assert.equal(times.mean("countPrimes"), 20);
  times.record("countPrimes", 1, 10); // weighted towards the latest batch: 20 × 0.8 + 10 × 0.2
  assert.equal(times.mean("countPrimes"), 18);
  times.record("countPrimes", 0, 0); // nothing measured changes nothing
  assert.equal(times.mean("countPrimes"), 18);
});

test("RunTimes takes names of Object.prototype members as plain names", () => {
  const times = new RunTimes();
  for (const name of ["__proto__", "constructor", "toString"]) assert.equal(times.mean(name), -1);
  times.record("__proto__", 1, 3);
  assert.equal(times.mean("__proto__"), 3);
  assert.equal(times.mean("constructor"), -1);
});
