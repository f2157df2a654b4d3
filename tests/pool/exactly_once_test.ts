// Exactly-once when workers die: every execution is counted in shared memory inside the worker
// (tests/fixtures/chaos_tasks.ts), because a promise's callbacks can never fire twice and so
// cannot see a task that ran twice. The same count shows a task lost: one that crashed although
// it never started (it must be queued again and complete).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, TaskError, WorkerCrashedError } from "../../mod.ts";
import type { ChaosKind } from "../fixtures/chaos_tasks.ts";
import { within } from "../fixtures/pool_helpers.ts";
import { mulberry32 } from "../fixtures/seeded_random.ts";

type ChaosTasks = typeof import("../fixtures/chaos_tasks.ts");
const chaosUrl = new URL("../fixtures/chaos_tasks.ts", import.meta.url);

interface Outcome {
  kind: ChaosKind;
  ok: boolean;
  error?: unknown;
}

/** Runs `kinds` through a 2-worker pool at once and returns each outcome and the counts. */
async function runAll(
  kinds: ChaosKind[],
  retries: number,
  busyMainThread: boolean,
): Promise<{ outcomes: Outcome[]; counts: Int32Array }> {
  const counts = new Int32Array(new SharedArrayBuffer(8 * kinds.length));
  const pool = createPool<ChaosTasks>(chaosUrl, {
    maxWorkers: 2,
    concurrency: 4,
    autotune: false,
  });
  try {
    const calls = kinds.map((kind, i) =>
      pool.run("chaos", { counts, i, kind, ms: 1 }, { retries }).then(
        () => ({ kind, ok: true }),
        (error) => ({ kind, ok: false, error }),
      )
    );
    // A busy main thread lets a worker's error event overtake the results it posted before.
    let spinning = busyMainThread;
    const spin = async () => {
      while (spinning) {
        const end = performance.now() + 3;
        while (performance.now() < end) { /* keep the main thread busy */ }
        await new Promise((r) => setTimeout(r, 0));
      }
    };
    const spinner = spin();
    const outcomes = await within(Promise.all(calls), 60_000, "the chaos calls");
    spinning = false;
    await spinner;
    return { outcomes, counts };
  } finally {
    await pool.closeNow();
  }
}

test("tasks never run twice with retries 0 when tasks end their workers mid-batch", async () => {
  const random = mulberry32(7);
  const kinds: ChaosKind[] = Array.from({ length: 2000 }, () => {
    const r = random();
    return r < 0.03 ? "exit" : r < 0.5 ? "ok" : r < 0.8 ? "async" : "spin";
  });
  const { outcomes, counts } = await runAll(kinds, 0, false);
  const twice = outcomes.map((_, i) => i).filter((i) => counts[2 * i] > 1);
  assert.deepEqual(twice, [], `tasks that ran more than once: ${twice.slice(0, 10).join(", ")}`);
  const lost: string[] = [];
  for (const [i, o] of outcomes.entries()) {
    if (o.ok) assert.equal(counts[2 * i], 1, `task ${i} resolved but ran ${counts[2 * i]} times`);
    else {
      assert.ok(o.error instanceof WorkerCrashedError, `task ${i} rejected with ${o.error}`);
      // Only a task running when its worker died may crash: one that had not started must be
      // queued again and complete.
      if (counts[2 * i] === 0) lost.push(`${i} (${o.kind})`);
    }
  }
  assert.deepEqual(lost.slice(0, 20), [], `${lost.length} tasks crashed that never started`);
  assert.ok(
    outcomes.some((o) => !o.ok),
    "no worker died while tasks were in it: the test would prove nothing",
  );
});

test("results a worker sent before an uncaught error are honoured, never crashed or rerun", async () => {
  const random = mulberry32(11);
  const kinds: ChaosKind[] = Array.from({ length: 1500 }, () => {
    const r = random();
    return r < 0.04 ? "asyncCrash" : r < 0.7 ? "ok" : "async";
  });
  const { outcomes, counts } = await runAll(kinds, 1, true);
  const bad: string[] = [];
  for (const [i, o] of outcomes.entries()) {
    // A task that returned (counted in the worker) before its worker died has a result that was
    // sent: it must resolve, and must not have run again.
    if (Atomics.load(counts, 2 * i + 1) > 0 && o.kind !== "async") {
      if (!o.ok) bad.push(`${i} (${o.kind}) rejected: ${(o.error as Error).name}`);
      if (counts[2 * i] !== 1) bad.push(`${i} (${o.kind}) ran ${counts[2 * i]} times`);
    }
    if (!o.ok && !(o.error instanceof WorkerCrashedError) && !(o.error instanceof TaskError)) {
      bad.push(`${i} rejected with ${String(o.error)}`);
    }
    // A crash only after both attempts (retries 1) started: an attempt that had not started when
    // its worker died must be queued again, not failed.
    if (!o.ok && o.error instanceof WorkerCrashedError && counts[2 * i] !== 2) {
      bad.push(`${i} (${o.kind}) lost: crashed after ${counts[2 * i]} of 2 attempts started`);
    }
  }
  assert.deepEqual(bad.slice(0, 20), []);
});
