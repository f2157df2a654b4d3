// workloom-test: solo (it measures how the pool shares the CPU; see scripts/test_files.mjs)
// A batch of long async tasks (crypto.subtle hash chains: CPU work off the JS thread) through a
// default autotuned pool, against the same batch with Promise.all on the calling thread. No
// elapsed-time assertions (bench/async_cpu.ts times it): the test asserts the mechanism that
// makes the pool no slower, namely that the controller never judges a probe before tasks could
// finish in it, never drops the concurrency the batch needs, and runs the batch as concurrently
// as Promise.all does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../../mod.ts";
import * as tasks from "../fixtures/async_cpu_tasks.ts";
import { MOST_RUNNING, RUNNING } from "../fixtures/async_cpu_tasks.ts";
import { sharedInts } from "../fixtures/pool_helpers.ts";

const BATCH = 12;
// ~150 digests of 1 MB: about 200 ms per task alone on our 2-core VM.
const work = { rounds: 150, bytes: 1 << 20 };
const url = new URL("../fixtures/async_cpu_tasks.ts", import.meta.url);

// Three batches of ~2.5 s of hashing on 2 cores: past Bun's default 5 s per test.
test(
  "a batch of long async tasks runs as concurrently through an autotuned pool as with Promise.all",
  {
    timeout: 60_000,
  },
  async () => {
    const onCaller = sharedInts(2);
    await Promise.all(
      Array.from({ length: BATCH }, () => tasks.hashChain({ ...work, counters: onCaller })),
    );
    const promiseAll = Atomics.load(onCaller, MOST_RUNNING);
    assert.equal(promiseAll, BATCH, "Promise.all has the whole batch in flight");

    const pool = createPool<typeof tasks>(url, { autotune: { monitorIntervalMs: 50 } });
    try {
      const rounds: { most: number; concurrencyAtStart: number; workers: number }[] = [];
      // The first batch teaches the pool the task (it is routed by its measured W/C); the second
      // is the one that must match Promise.all.
      for (let round = 0; round < 2; round++) {
        const counters = sharedInts(2);
        const { concurrency, workers } = pool.stats();
        await Promise.all(
          Array.from({ length: BATCH }, () => pool.run("hashChain", { ...work, counters })),
        );
        assert.equal(Atomics.load(counters, RUNNING), 0);
        rounds.push({
          most: Atomics.load(counters, MOST_RUNNING),
          concurrencyAtStart: concurrency,
          workers,
        });
      }
      const decisions = pool.decisions.map((d) => d.reason);
      const why = JSON.stringify({ rounds, decisions }, null, 1);
      // The fault this test is for: a probe judged before any task could finish within it reads
      // "throughput 0.0/s" and reverts to concurrency 1.
      assert.ok(!decisions.some((r) => /^revert .*throughput 0\.0\/s/.test(r)), why);
      assert.ok(
        pool.decisions.some((d) => d.kind === "probe" && d.reason.startsWith("probe concurrency")),
        why,
      );
      // Once raised for the batch, the concurrency is never taken back without evidence.
      assert.ok(!decisions.some((r) => r.startsWith("revert concurrency")), why);
      const warm = rounds[1];
      assert.ok(warm.concurrencyAtStart * warm.workers >= BATCH, why);
      assert.ok(pool.stats().concurrency * pool.stats().workers >= BATCH, why);
      assert.ok(warm.most >= promiseAll, why);
    } finally {
      await pool.close();
    }
  },
);
