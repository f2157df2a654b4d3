import { test } from "node:test";
import assert from "node:assert/strict";
import { ReadyQueue } from "../../src/jobs/ready_queue.ts";

let seq = 0;
const entry = (id: string, key: string, priority = 0) => ({ id, key, priority, seq: ++seq });

function drainIds(q: ReadyQueue, running: (k: string) => number = () => 0, limit = 4): string[] {
  const out: string[] = [];
  for (let e = q.take(running, limit); e; e = q.take(running, limit)) out.push(e.id);
  return out;
}

test("ReadyQueue alternates between keys however many jobs one key has", () => {
  const q = new ReadyQueue();
  for (let i = 1; i <= 4; i++) q.push(entry(`a${i}`, "a"));
  q.push(entry("b1", "b"));
  q.push(entry("b2", "b"));
  assert.deepEqual(drainIds(q), ["a1", "b1", "a2", "b2", "a3", "a4"]);
  assert.equal(q.size, 0);
});

test("ReadyQueue orders by priority, then submission, within a key", () => {
  const q = new ReadyQueue();
  q.push(entry("low", "k", 5));
  q.push(entry("first", "k", 0));
  q.push(entry("second", "k", 0));
  q.push(entry("urgent", "k", -1));
  assert.deepEqual(drainIds(q), ["urgent", "first", "second", "low"]);
});

test("ReadyQueue gives a key that arrives late the next turn", () => {
  const q = new ReadyQueue();
  for (let i = 1; i <= 5; i++) q.push(entry(`a${i}`, "a"));
  assert.equal(q.take(() => 0, 4)?.id, "a1");
  q.push(entry("b1", "b"));
  assert.equal(q.take(() => 0, 4)?.id, "b1");
});

test("ReadyQueue holds back a key at its limit and lets others through", () => {
  const q = new ReadyQueue();
  q.push(entry("a1", "a"));
  q.push(entry("b1", "b"));
  const running = (k: string) => (k === "a" ? 2 : 0);
  assert.deepEqual(drainIds(q, running, 2), ["b1"]);
  assert.equal(q.size, 1);
  assert.deepEqual(drainIds(q), ["a1"]);
});

test("ReadyQueue removes a cancelled job and reports one it does not hold", () => {
  const q = new ReadyQueue();
  q.push(entry("a1", "a"));
  q.push(entry("a2", "a"));
  assert.equal(q.remove("a1", "a"), true);
  assert.equal(q.remove("a1", "a"), false);
  assert.equal(q.remove("x", "nope"), false);
  assert.deepEqual(q.clear().map((e) => e.id), ["a2"]);
  assert.equal(q.size, 0);
});
