// How single run() calls travel: calls made in the same turn leave together, one message per
// worker, and under a backlog each worker holds its next task while it runs one (prefetch), so
// that it never idles for a round trip between tasks. Messages are counted on the in-process
// transport (tests/fixtures/in_process_link.ts), which speaks the same protocol as a Web Worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../../src/pool.ts";
import type { PoolOptions } from "../../src/engine/pool_options.ts";
import type { ToWorker } from "../../src/transport/protocol.ts";
import type { LinkedTask, LinkOptions } from "../../src/transport/link_types.ts";
import type { LinkEvents, SpawnLink } from "../../src/transport/worker_link.ts";
import { InProcessLink } from "../fixtures/in_process_link.ts";
import { tasksUrl, within } from "../fixtures/pool_helpers.ts";

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

test("run() calls made in one turn on a warm pool leave in one message per worker", async () => {
  const { pool, runs } = countingPool({ minWorkers: 2, maxWorkers: 2, concurrency: 64 });
  try {
    // Warm: both workers started and ready, so a turn can send at once.
    await within(Promise.all([pool.run("echo", -1), pool.run("echo", -2)]), 10_000, "warm-up");
    runs.length = 0;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) pending.push(pool.run("echo", i)); // one turn, no await
    const results = await within(Promise.all(pending), 10_000, "40 calls");
    assert.deepEqual(results, Array.from({ length: 40 }, (_, i) => i));
    assert.equal(runs.length, 2, `messages: ${JSON.stringify(runs)}`);
    assert.deepEqual(runs.map((r) => r.worker).sort(), [1, 2]);
    assert.equal(runs[0].tasks + runs[1].tasks, 40);
  } finally {
    await pool.close();
  }
});

test("under a backlog of slow tasks each worker is sent its next task with the one it runs", async () => {
  const { pool, runs } = countingPool({ minWorkers: 2, maxWorkers: 2, concurrency: 1 });
  try {
    await within(Promise.all([pool.run("echo", -1), pool.run("echo", -2)]), 10_000, "warm-up");
    runs.length = 0;
    const pending = Array.from({ length: 8 }, () => pool.run("spin", 5));
    await within(Promise.all(pending), 10_000, "8 spins");
    // The first turn: one running and one prefetched task per worker, not one each.
    const first = new Map<number, number>();
    for (const r of runs) if (!first.has(r.worker)) first.set(r.worker, r.tasks);
    assert.deepEqual([...first.entries()].sort(), [[1, 2], [2, 2]], JSON.stringify(runs));
  } finally {
    await pool.close();
  }
});
