// The hand-off for the job layer: Pool.runMany() queues many calls at once, each with its own
// options and promise, and they leave in one dispatch turn, one message per worker. Messages are
// counted on the in-process transport (tests/fixtures/in_process_link.ts), which speaks the
// same protocol as a Web Worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { QueueFullError, TimeoutError } from "../../src/errors.ts";
import { Pool } from "../../src/pool.ts";
import type { PoolOptions } from "../../src/engine/pool_options.ts";
import type { ToWorker } from "../../src/transport/protocol.ts";
import type { LinkedTask, LinkOptions } from "../../src/transport/link_types.ts";
import type { LinkEvents, SpawnLink } from "../../src/transport/worker_link.ts";
import { InProcessLink } from "../fixtures/in_process_link.ts";
import { rejection, tasksUrl, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/tasks.ts");

/** A pool on the in-process transport that records each `run` message: worker id and task count. */
function countingPool(options: PoolOptions) {
  const runs: { worker: number; tasks: number }[] = [];
  class CountingLink<T extends LinkedTask> extends InProcessLink<T> {
    protected override transmit(message: ToWorker, transfer: Transferable[]): void {
      if (message.t === "run") runs.push({ worker: this.id, tasks: message.ids.length });
      super.transmit(message, transfer);
    }
  }
  const spawn: SpawnLink = <T extends LinkedTask>(
    id: number,
    o: LinkOptions,
    events: LinkEvents<T>,
  ) => new CountingLink<T>(id, o, events);
  const pool = new Pool<Tasks>(tasksUrl, { autotune: false, ...options }, spawn);
  return { pool, runs };
}

test("runMany() hands 40 calls to 2 workers in one turn: one message per worker, every call in one", async () => {
  const { pool, runs } = countingPool({ maxWorkers: 2, concurrency: 64 });
  try {
    const calls = Array.from({ length: 40 }, (_, i) => ({ name: "echo" as const, input: i }));
    const results = await within(Promise.all(pool.runMany(calls)), 10_000, "40 calls");
    assert.deepEqual(results, calls.map((c) => c.input));
    assert.equal(runs.length, 2, `messages: ${JSON.stringify(runs)}`);
    assert.deepEqual(runs.map((r) => r.worker).sort(), [1, 2]);
    assert.equal(runs[0].tasks + runs[1].tasks, 40);
  } finally {
    await pool.close();
  }
});

test("the same 40 calls each run() after an await of whenRoom() go out in more than one message per worker", async () => {
  const { pool, runs } = countingPool({ maxWorkers: 2, concurrency: 64 });
  try {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      await pool.whenRoom();
      // The job runner's pattern today: something awaited between calls (here a macrotask, as
      // a store's write would be), so each call gets a dispatch turn of its own.
      await new Promise((resolve) => setTimeout(resolve, 0));
      pending.push(pool.run("echo", i));
    }
    await within(Promise.all(pending), 10_000, "40 calls");
    assert.ok(runs.length > 2, `messages: ${runs.length}`);
  } finally {
    await pool.close();
  }
});

test("each call handed off keeps its own options and promise: a timeout, a signal, a failure, a result", async () => {
  const { pool } = countingPool({ maxWorkers: 1, concurrency: 8 });
  try {
    const c = new AbortController();
    const reason = new Error("stop this one");
    const [timed, aborted, failed, echoed] = pool.runMany([
      { name: "untilAborted", input: undefined, options: { timeoutMs: 20 } },
      { name: "untilAborted", input: undefined, options: { signal: c.signal } },
      { name: "fail", input: "boom" },
      { name: "echo", input: "ok", options: { priority: -1 } },
    ]);
    c.abort(reason);
    const all = [timed, aborted, failed, echoed];
    const [t, a, f, e] = await within(Promise.allSettled(all), 10_000, "4 calls");
    assert.deepEqual(e, { status: "fulfilled", value: "ok" });
    assert.ok(t.status === "rejected" && t.reason instanceof TimeoutError);
    assert.ok(a.status === "rejected" && a.reason === reason);
    assert.ok(f.status === "rejected" && /boom/.test(String(f.reason)));
  } finally {
    await pool.close();
  }
});

test("calls handed off past the queue's bound follow onFull: reject refuses the extra ones only", async () => {
  const { pool } = countingPool({ maxWorkers: 1, concurrency: 8, maxQueue: 3, onFull: "reject" });
  try {
    const promises = pool.runMany(
      Array.from({ length: 5 }, (_, i) => ({ name: "echo", input: i })),
    );
    const outcomes = await within(Promise.allSettled(promises), 10_000, "5 calls");
    assert.deepEqual(outcomes.slice(0, 3).map((o) => o.status), [
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    for (const o of outcomes.slice(3)) {
      assert.ok(o.status === "rejected" && o.reason instanceof QueueFullError);
    }
  } finally {
    await pool.close();
  }
});

test("runMany() on a closed pool rejects every call with PoolClosedError, and a bad call only itself", async () => {
  const { pool } = countingPool({ maxWorkers: 1 });
  const [bad, good] = pool.runMany([
    { name: "echo", input: 1, options: { retries: -1 } },
    { name: "echo", input: 2 },
  ]);
  assert.match(String(await rejection(bad)), /'retries'/);
  assert.equal(await within(good, 10_000, "the good call"), 2);
  await pool.close();
  const [late] = pool.runMany([{ name: "echo", input: 3 }]);
  assert.equal((await rejection(late) as Error).name, "PoolClosedError");
});
