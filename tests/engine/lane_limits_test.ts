import { test } from "node:test";
import assert from "node:assert/strict";
import { laneLimit, type LaneLimitInput, workerRoom } from "../../src/engine/lane_limits.ts";

const base: LaneLimitInput = {
  lane: 0,
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
    [{ lane: 1, concurrency: 64, meanRunMs: 20 }, 67], // async lane: 64 + 64 × 1 ms / 20 ms
    [{ meanRunMs: 0.1, maxTasksPerWorker: 4 }, 4], // recycling bounds it
  ];
  for (const [input, expected] of cases) {
    assert.equal(laneLimit({ ...base, ...input }), expected, JSON.stringify(input));
  }
});

test("workerRoom is what is left of the limit, never below zero, and none for a retiring worker", () => {
  const w = { taking: true, laneInFlight: [1, 3], sent: 9, freeSlots: 4000 };
  assert.equal(workerRoom(w, 0, 4, 0), 3);
  assert.equal(workerRoom(w, 1, 2, 0), 0);
  assert.equal(workerRoom(w, 0, 4, 10), 1); // recycled after 10: one more
  assert.equal(workerRoom({ ...w, freeSlots: 2 }, 0, 4, 0), 2);
  assert.equal(workerRoom({ ...w, taking: false }, 0, 4, 0), 0);
});
