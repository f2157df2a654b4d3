// A batch spreads over the pool's workers even when a cheap call of another name came first:
// prefetch is sized from what is known of the task being sent, not from the last task that ran.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, type Pool } from "../mod.ts";

type BusyTasks = typeof import("./fixtures/busy_tasks.ts");
const busyUrl = new URL("./fixtures/busy_tasks.ts", import.meta.url);
const readmeUrl = new URL("./fixtures/readme_tasks.ts", import.meta.url);

/** Counts, per worker, the tasks named `name` handed to it. */
function startsPerWorker<M>(pool: Pool<M>, name: string): Map<number, number> {
  const counts = new Map<number, number>();
  pool.on("taskStarted", (e) => {
    if (e.name === name) counts.set(e.workerId, (counts.get(e.workerId) ?? 0) + 1);
  });
  return counts;
}

/** The largest share of `total` tasks that one worker took. */
function largestShare(counts: Map<number, number>, total: number): number {
  let most = 0;
  for (const n of counts.values()) most = Math.max(most, n);
  return most / total;
}

test("after one cheap call, no worker takes more than 60 % of a batch of 60 CPU tasks", async () => {
  const pool = createPool<BusyTasks>(busyUrl, { maxWorkers: 2 });
  try {
    assert.equal(await pool.run("cheap", "a"), "A");
    const counts = startsPerWorker(pool, "busy");
    const inputs = Array.from({ length: 60 }, (_, i) => 15 + (i % 6)); // 15-20 ms each
    assert.deepEqual(await pool.map("busy", inputs), inputs);
    const share = largestShare(counts, inputs.length);
    assert.ok(share <= 0.6, `one worker took ${share * 100} % (${[...counts.values()]})`);
  } finally {
    await pool.close();
  }
});

test("the README's example spreads its countPrimes batch over the workers", async () => {
  // The README's app.ts, with smaller limits so that the batch takes well under a second.
  const pool = createPool<typeof import("./fixtures/readme_tasks.ts")>(readmeUrl);
  try {
    assert.ok(pool.options.maxWorkers >= 2, `needs 2 workers: ${pool.options.sizeReason}`);
    const html = await pool.run("render", { title: "Hi" }, { priority: 0, timeoutMs: 2000 });
    assert.equal(html, "<h1>Hi</h1>");
    const counts = startsPerWorker(pool, "countPrimes");
    const limits = Array.from({ length: 100 }, (_, i) => (i + 1) * 1_000);
    const primes = await pool.map("countPrimes", limits, { weight: (n) => n }); // heavy first
    assert.equal(primes[0], 168); // primes below 1,000
    assert.equal(primes[99], 9_592); // primes below 100,000
    const share = largestShare(counts, limits.length);
    assert.ok(share <= 0.6, `one worker took ${share * 100} % (${[...counts.values()]})`);
  } finally {
    await pool.close();
  }
});
