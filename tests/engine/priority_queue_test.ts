import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskQueue } from "../../src/engine/priority_queue.ts";

type Item = { priority: number; id: string };

test("TaskQueue runs lower priority numbers first and keeps FIFO order within a priority", () => {
  const q = new TaskQueue<Item>();
  const input: Item[] = [
    { priority: 5, id: "a" },
    { priority: 0, id: "b" },
    { priority: 5, id: "c" },
    { priority: -1, id: "d" },
    { priority: 0, id: "e" },
  ];
  for (const item of input) q.push(item);
  assert.equal(q.size, 5);
  assert.deepEqual(q.drain().map((i) => i.id), ["d", "b", "e", "a", "c"]);
  assert.equal(q.size, 0);
  assert.equal(q.shift(), undefined);
});

test("TaskQueue.unshift puts an item back at the front of its own priority only", () => {
  const q = new TaskQueue<Item>();
  q.push({ priority: 0, id: "first" });
  q.push({ priority: 1, id: "low" });
  q.unshift({ priority: 1, id: "retried" });
  assert.deepEqual(q.drain().map((i) => i.id), ["first", "retried", "low"]);
});

test("TaskQueue.remove takes out one queued item and reports whether it was there", () => {
  const q = new TaskQueue<Item>();
  const items = [0, 1, 2].map((i) => ({ priority: i % 2, id: String(i) }));
  for (const item of items) q.push(item);
  assert.equal(q.remove(items[1]), true);
  assert.equal(q.remove(items[1]), false);
  assert.equal(q.size, 2);
  assert.deepEqual(q.drain().map((i) => i.id), ["0", "2"]);
});

test("TaskQueue keeps order across compaction of a long FIFO", () => {
  const q = new TaskQueue<{ priority: number; n: number }>();
  for (let n = 0; n < 5000; n++) q.push({ priority: 0, n });
  for (let n = 0; n < 3000; n++) assert.equal(q.shift()!.n, n);
  for (let n = 5000; n < 6000; n++) q.push({ priority: 0, n });
  const rest = q.drain().map((i) => i.n);
  assert.equal(rest.length, 3000);
  assert.deepEqual(rest.slice(0, 3), [3000, 3001, 3002]);
  assert.equal(rest.at(-1), 5999);
});

test("TaskQueue.extract removes the matching items in queue order and keeps the rest in theirs", () => {
  const q = new TaskQueue<Item>();
  const ids = ["a1", "b1", "a2", "b2", "a3"];
  ids.forEach((id, i) => q.push({ priority: i === 4 ? -1 : 0, id }));
  assert.deepEqual(q.extract((i) => i.id.startsWith("a")).map((i) => i.id), ["a3", "a1", "a2"]);
  assert.deepEqual(q.drain().map((i) => i.id), ["b1", "b2"]);
});
