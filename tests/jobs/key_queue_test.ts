// A concurrency key's ready jobs: the order (priority, then submission, whenever a job comes
// back), and a front that moves rather than an array shifted, so a long backlog is not copied
// for every job taken from it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyQueue } from "../../src/jobs/key_queue.ts";
import { ReadyQueue } from "../../src/jobs/ready_queue.ts";

type Entry = { id: string; priority: number; seq: number };
const job = (id: string, seq: number, priority = 0): Entry => ({ id, priority, seq });

function drain(q: KeyQueue<Entry>): string[] {
  const out: string[] = [];
  for (let e = q.shift(); e; e = q.shift()) out.push(e.id);
  return out;
}

test("KeyQueue orders by priority, then submission, whatever order the jobs come in", () => {
  const q = new KeyQueue<Entry>();
  q.insert(job("b", 2));
  q.insert(job("c", 3));
  q.insert(job("low", 4, 5));
  q.insert(job("a", 1)); // a retry or a delayed job: its old submission number puts it first
  q.insert(job("urgent", 9, -1));
  assert.equal(q.length, 5);
  assert.equal(q.first()?.id, "urgent");
  assert.deepEqual(drain(q), ["urgent", "a", "b", "c", "low"]);
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
});

test("KeyQueue keeps its order through taking, putting in front and compacting", () => {
  const q = new KeyQueue<Entry>();
  for (let i = 1; i <= 5000; i++) q.insert(job(`j${i}`, 2 * i));
  const taken: string[] = [];
  for (let i = 0; i < 3000; i++) taken.push(q.shift()!.id);
  // Before the front (the slot freed by the last take), in the middle, and at the back.
  q.insert(job("front", 1));
  q.insert(job("middle", 2 * 4000 + 1));
  q.insert(job("back", 2 * 5000 + 1));
  assert.equal(q.length, 2003);
  const rest = drain(q);
  assert.deepEqual(taken.slice(0, 2), ["j1", "j2"]);
  assert.equal(rest[0], "front");
  assert.equal(rest[1], "j3001");
  assert.equal(rest[rest.indexOf("j4000") + 1], "middle");
  assert.equal(rest.at(-1), "back");
  assert.equal(rest.length, 2003);
});

test("KeyQueue removes a job from anywhere, and gives the rest in order", () => {
  const q = new KeyQueue<Entry>();
  for (let i = 1; i <= 4; i++) q.insert(job(`j${i}`, i));
  q.shift();
  assert.equal(q.removeWhere((e) => e.id === "j3"), true);
  assert.equal(q.removeWhere((e) => e.id === "j1"), false, "taken already");
  assert.equal(q.length, 2);
  assert.deepEqual(q.drain().map((e) => e.id), ["j2", "j4"]);
});

test("taking from a long backlog never shifts its array (V8 copies one past ~16,000 to shift)", () => {
  const ready = new ReadyQueue();
  for (let i = 1; i <= 20_000; i++) ready.push({ id: `j${i}`, key: "flood", priority: 0, seq: i });
  ready.push({ id: "tenant", key: "other", priority: 0, seq: 20_001 });
  const shift = Array.prototype.shift;
  let shifts = 0;
  Array.prototype.shift = function (this: unknown[]) {
    shifts++;
    return shift.call(this);
  };
  const taken: string[] = [];
  try {
    for (let i = 0; i < 5_000; i++) taken.push(ready.take(() => 0, 4)!.id);
  } finally {
    Array.prototype.shift = shift;
  }
  assert.equal(shifts, 0);
  assert.deepEqual(taken.slice(0, 3), ["j1", "tenant", "j2"]);
  assert.equal(ready.size, 20_001 - 5_000);
});
