import { test } from "node:test";
import assert from "node:assert/strict";
import { Room } from "../../src/engine/backpressure.ts";
import type { Task } from "../../src/engine/task.ts";

const task = (id: number) => ({ id }) as unknown as Task;

/** A queue the room guards: records what it was given, `size` as the test sets it. */
function queue(size: number) {
  const added: number[] = [];
  return {
    added,
    size,
    add(t: Task) {
      added.push(t.id);
      this.size++;
    },
  };
}

test("Room admits parked tasks in order while there is room, then wakes whenRoom() callers", async () => {
  const q = queue(2);
  const room = new Room(2, q);
  assert.equal(room.full, true);
  room.wait(task(1));
  room.wait(task(2));
  room.wait(task(3));
  let woke = false;
  const waiting = room.whenRoom().then(() => (woke = true));
  q.size = 0;
  assert.equal(room.admit(), 2);
  assert.deepEqual(q.added, [1, 2]);
  assert.equal(room.waiting, 1);
  await Promise.resolve();
  assert.equal(woke, false, "still full: whenRoom() keeps waiting");
  q.size = 1;
  assert.equal(room.admit(), 1);
  assert.deepEqual(q.added, [1, 2, 3]);
  q.size = 0;
  assert.equal(room.admit(), 0);
  await waiting;
  assert.equal(woke, true);
});

test("Room.remove takes out a cancelled parked task and drain empties the rest", () => {
  const room = new Room(1, queue(1));
  const [a, b, c] = [task(1), task(2), task(3)];
  room.wait(a);
  room.wait(b);
  room.wait(c);
  assert.equal(room.remove(b), true);
  assert.equal(room.remove(b), false);
  assert.deepEqual(room.drain().map((t) => t.id), [1, 3]);
  assert.equal(room.waiting, 0);
});

test("Room admits thousands of parked calls in order without shifting an array (V8 copies one past ~16,000)", () => {
  const q = queue(20_000);
  const room = new Room(20_000, q);
  for (let i = 1; i <= 20_000; i++) room.wait(task(i));
  assert.equal(room.remove(task(3)), false, "another object: not parked");
  const shift = Array.prototype.shift;
  let shifts = 0;
  Array.prototype.shift = function (this: unknown[]) {
    shifts++;
    return shift.call(this);
  };
  try {
    for (let admitted = 0; admitted < 5_000;) {
      q.size -= 100;
      admitted += room.admit();
    }
  } finally {
    Array.prototype.shift = shift;
  }
  assert.equal(shifts, 0);
  assert.deepEqual(q.added.slice(0, 3), [1, 2, 3]);
  assert.equal(q.added.length, 5_000);
  assert.equal(room.waiting, 15_000);
  assert.deepEqual(room.drain().slice(0, 2).map((t) => t.id), [5_001, 5_002]);
  assert.equal(room.waiting, 0);
});
