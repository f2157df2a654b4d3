import { test } from "node:test";
import assert from "node:assert/strict";
import { PoolEvents } from "../../src/engine/pool_events.ts";

test("PoolEvents counts listeners per event in 'listening', and a removed listener is neither counted nor called", () => {
  const events = new PoolEvents();
  const seen: number[] = [];
  assert.equal(events.listening.taskStarted, 0);
  const offA = events.on("taskStarted", (e) => seen.push(e.id));
  const offB = events.on("taskStarted", (e) => seen.push(-e.id));
  assert.equal(events.listening.taskStarted, 2);
  assert.equal(events.listening.taskQueued, 0, "other events keep their own count");
  events.started([{ id: 1, name: "a", queuedAt: 0 }], 1, 5);
  offA();
  assert.equal(events.listening.taskStarted, 1);
  events.started([{ id: 2, name: "a", queuedAt: 0 }], 1, 5);
  offB();
  offB(); // removing twice changes nothing
  assert.equal(events.listening.taskStarted, 0);
  assert.equal(events.has("taskStarted"), false);
  events.started([{ id: 3, name: "a", queuedAt: 0 }], 1, 5);
  assert.deepEqual(seen, [1, -1, -2]);
});
