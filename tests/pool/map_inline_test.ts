// Where map() runs a batch: on the calling thread only when its measured or estimated total work
// is below the profile's minWorkEstimate; a task name never measured counts as heavy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, TaskError } from "../../mod.ts";
import { busy, tiny } from "../fixtures/busy_tasks.ts";
import { rejection } from "../fixtures/pool_helpers.ts";

type BusyTasks = typeof import("../fixtures/busy_tasks.ts");
const busyUrl = new URL("../fixtures/busy_tasks.ts", import.meta.url);
const pool = () => createPool<BusyTasks>(busyUrl, { maxWorkers: 2, minWorkers: 0 });
// Options this branch adds to map(), and bad values, typed loosely so that they compile.
// deno-lint-ignore no-explicit-any
type Loose = any;

test("a heavy 4-task map() on a fresh pool leaves the calling thread free", async () => {
  const p = pool();
  // The inline runner would import the module on this thread: do it first, so that an inline
  // run could not pass by yielding while the module loads.
  void busy, tiny;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    let ticksDuringMap = -1;
    // 4 tasks of 100 ms of spinning each: on this thread, no timer could fire until all ended.
    const results = await p.map("busy", [100, 100, 100, 100]).finally(() => {
      ticksDuringMap = ticks;
    });
    assert.deepEqual(results, [100, 100, 100, 100]);
    assert.ok(ticksDuringMap >= 5, `the calling thread's timer fired ${ticksDuringMap} times`);
  } finally {
    clearInterval(timer);
    await p.close();
  }
});

test("a batch of many tiny tasks, measured below minWorkEstimate in all, runs inline", async () => {
  const p = pool();
  try {
    // Measured first in the workers: 4 runs of microseconds each.
    assert.deepEqual(await p.map("tiny", [1, 2, 3, 4], { inline: false }), [2, 4, 6, 8]);
    let started = 0;
    p.on("taskStarted", () => started++);
    const inputs = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(await p.map("tiny", inputs), inputs.map((x) => x * 2));
    assert.equal(started, 0, "no task of the batch went to a worker");
  } finally {
    await p.close();
  }
});

test("map() runs inline when the caller's estimateMs says the batch is light, or inline: true", async () => {
  const p = pool();
  try {
    const inputs = Array.from({ length: 20 }, (_, i) => i);
    const light = await p.map("tiny", inputs, { estimateMs: 0.01 } as Loose);
    assert.deepEqual(light, inputs.map((x) => x * 2));
    const forced = await p.map("busy", [1, 1], { inline: true } as Loose);
    assert.deepEqual(forced, [1, 1]);
    assert.equal(p.workerCount, 0, "no worker started");
  } finally {
    await p.close();
  }
});

test("map() sends a batch to workers when estimateMs says it is heavy, whatever its size", async () => {
  const p = pool();
  let started = 0;
  p.on("taskStarted", () => started++);
  try {
    assert.deepEqual(await p.map("tiny", [1, 2], { estimateMs: 50 } as Loose), [2, 4]);
    assert.equal(started, 2);
  } finally {
    await p.close();
  }
});

test("map() rejects a bad estimateMs, naming it", async () => {
  const p = pool();
  try {
    for (const estimateMs of [-1, Number.NaN, "5"]) {
      const error = await rejection(p.map("tiny", [1], { estimateMs } as Loose));
      assert.ok(error instanceof TypeError || error instanceof RangeError, String(error));
      assert.match(error.message, /'estimateMs'/);
    }
  } finally {
    await p.close();
  }
});

test("a task that throws inline rejects with the same TaskError as in a worker", async () => {
  const p = pool();
  try {
    const inline = await rejection(p.map("fail", ["bad input"], { inline: true } as Loose));
    const pooled = await rejection(p.map("fail", ["bad input"], { inline: false }));
    for (const error of [inline, pooled]) {
      assert.ok(error instanceof TaskError, `${error.constructor.name}: ${error.message}`);
      assert.equal(error.name, "RangeError");
      assert.equal(error.message, "bad input");
      assert.equal((error as TaskError).task, "fail");
      assert.equal((error as TaskError).code, "E_TASK");
    }
  } finally {
    await p.close();
  }
});
