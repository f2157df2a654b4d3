// The seam is real: the pool's behaviour (run, map, priorities, task errors, cancelling queued and
// running tasks, timeouts, close and closeNow) holds on a second transport with no shared memory,
// the in-process link of tests/fixtures/in_process_link.ts, which runs the same worker run loop
// on this thread and talks to it through the same protocol.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PoolClosedError, TaskError, TimeoutError } from "../../mod.ts";
import { Pool } from "../../src/pool.ts";
import type { PoolOptions } from "../../src/engine/pool_options.ts";
import { links, spawnInProcess } from "../fixtures/in_process_link.ts";
import { rejection, sharedInts, tasksUrl, until, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/tasks.ts");

function inProcessPool(options: PoolOptions = {}): Pool<Tasks> {
  return new Pool<Tasks>(
    tasksUrl,
    { maxWorkers: 1, autotune: false, ...options },
    spawnInProcess,
  );
}

test("in-process link: run() resolves through the seam, and no Web Worker is involved", async () => {
  const before = links.length;
  const p = inProcessPool();
  try {
    assert.equal(await p.run("add", { a: 2, b: 3 }), 5);
    assert.equal(links.length, before + 1);
    assert.equal(links.at(-1)!.capabilities.claim, false);
  } finally {
    await p.close();
  }
});

test("in-process link: map() returns results in input order", async () => {
  const p = inProcessPool({ maxWorkers: 2 });
  try {
    const inputs = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(await p.map("echo", inputs, { inline: false }), inputs);
  } finally {
    await p.close();
  }
});

test("in-process link: queued tasks run by priority, lower first", async () => {
  const p = inProcessPool();
  try {
    const log = sharedInts(8);
    // Hold the one worker busy while the calls below queue up.
    const blocker = p.run("untilAborted", undefined, { signal: AbortSignal.timeout(50) })
      .catch(() => "released");
    const calls = [3, 1, 2, 0].map((priority) =>
      p.run("logRun", { log, value: priority }, { priority })
    );
    await blocker;
    await Promise.all(calls);
    assert.deepEqual([...log.slice(1, 5)], [0, 1, 2, 3]);
  } finally {
    await p.close();
  }
});

test("in-process link: a task that throws rejects with TaskError and the worker keeps working", async () => {
  const p = inProcessPool();
  try {
    const e = await rejection(p.run("fail", "boom"));
    assert.ok(e instanceof TaskError);
    assert.match(e.message, /boom/);
    assert.equal(await p.run("echo", "after"), "after");
  } finally {
    await p.close();
  }
});

test("in-process link: cancelling a queued task removes it, cancelling a running one aborts its signal", async () => {
  const p = inProcessPool();
  try {
    const running = new AbortController();
    const queued = new AbortController();
    const first = p.run("untilAborted", undefined, { signal: running.signal });
    const second = p.run("echo", "never", { signal: queued.signal });
    await until(() => p.stats().inFlight >= 1, "the first task to be sent");
    queued.abort();
    running.abort();
    assert.equal((await rejection(second)).name, "AbortError");
    assert.equal((await rejection(first)).name, "AbortError");
    assert.equal(await p.run("echo", "after"), "after");
  } finally {
    await p.close();
  }
});

test("in-process link: timeoutMs rejects with TimeoutError and the task sees its signal abort", async () => {
  const p = inProcessPool();
  try {
    const state = sharedInts(2);
    const e = await within(
      rejection(p.run("recordAbort", state, { timeoutMs: 20 })),
      10_000,
      "the timed-out call",
    );
    assert.ok(e instanceof TimeoutError);
    await until(() => Atomics.load(state, 0) !== 0, "the task to see its signal abort");
    assert.equal(Atomics.load(state, 0), 2); // the task saw a TimeoutError
  } finally {
    await p.close();
  }
});

test("in-process link: close() drains queued tasks, then run() rejects with PoolClosedError", async () => {
  const p = inProcessPool();
  const calls = Array.from({ length: 10 }, (_, i) => p.run("sleep", 1).then(() => i));
  await p.close();
  assert.deepEqual(await Promise.all(calls), Array.from({ length: 10 }, (_, i) => i));
  assert.ok((await rejection(p.run("echo", 1))) instanceof PoolClosedError);
  assert.equal(p.workerCount, 0);
});

test("in-process link: closeNow() rejects queued and running tasks with PoolClosedError", async () => {
  const p = inProcessPool();
  const running = p.run("untilAborted", undefined);
  const queued = p.run("echo", 1);
  await until(() => p.stats().inFlight >= 1, "the first task to be sent");
  await p.closeNow();
  assert.ok((await rejection(running)) instanceof PoolClosedError);
  assert.ok((await rejection(queued)) instanceof PoolClosedError);
  assert.equal(p.workerCount, 0);
});
