import { test } from "node:test";
import assert from "node:assert/strict";
import { Room } from "../../src/engine/backpressure.ts";
import type { Task } from "../../src/engine/task.ts";

const task = (id: number) => ({ id }) as unknown as Task;

test("Room admits parked tasks in order while there is room, then wakes whenRoom() callers", async () => {
  let queued = 2;
  const room = new Room(2, () => queued);
  assert.equal(room.full, true);
  room.wait(task(1));
  room.wait(task(2));
  room.wait(task(3));
  let woke = false;
  const waiting = room.whenRoom().then(() => (woke = true));
  const admitted: number[] = [];
  queued = 0;
  room.admit((t) => {
    admitted.push(t.id);
    queued++;
  });
  assert.deepEqual(admitted, [1, 2]);
  assert.equal(room.waiting, 1);
  await Promise.resolve();
  assert.equal(woke, false, "still full: whenRoom() keeps waiting");
  queued = 1;
  room.admit((t) => {
    admitted.push(t.id);
    queued++;
  });
  assert.deepEqual(admitted, [1, 2, 3]);
  queued = 0;
  room.admit(() => {});
  await waiting;
  assert.equal(woke, true);
});

test("Room.remove takes out a cancelled parked task and drain empties the rest", () => {
  const room = new Room(1, () => 1);
  const [a, b, c] = [task(1), task(2), task(3)];
  room.wait(a);
  room.wait(b);
  room.wait(c);
  assert.equal(room.remove(b), true);
  assert.equal(room.remove(b), false);
  assert.deepEqual(room.drain().map((t) => t.id), [1, 3]);
  assert.equal(room.waiting, 0);
});
