// The chaos test: thousands of mixed calls (ok, throw, async, aborted before and while running,
// timed out, ending their worker, crashing it after returning, some with retries) through one
// pool at once. Every execution is counted inside the worker through shared memory and every
// settlement through the pool's events, so a task run twice or settled twice, a call lost (one
// that had not started when its worker died, failed instead of queued again), or a call that
// never settles fails the test.
//
// The seed is fixed so CI is deterministic; run other seeds with
//   WORKLOOM_CHAOS_SEED=123 WORKLOOM_CHAOS_TASKS=10000 npm test -- tests/pool_chaos_test.ts
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createPool, TaskError, TimeoutError, WorkerCrashedError } from "../../mod.ts";
import type { ChaosKind } from "../fixtures/chaos_tasks.ts";
import { within } from "../fixtures/pool_helpers.ts";
import { mulberry32 } from "../fixtures/seeded_random.ts";

type ChaosTasks = typeof import("../fixtures/chaos_tasks.ts");
const chaosUrl = new URL("../fixtures/chaos_tasks.ts", import.meta.url);

const seed = Number(process.env.WORKLOOM_CHAOS_SEED ?? 20261130);
const total = Number(process.env.WORKLOOM_CHAOS_TASKS ?? 3000);

/** One planned call: what the task does and what the caller does around it. */
interface Plan {
  kind: ChaosKind;
  retries: number;
  /** "before": the signal is aborted before run(); "while": some ms after it; "timeout". */
  cancel: "none" | "before" | "while" | "timeout";
}

function plan(random: () => number): Plan[] {
  return Array.from({ length: total }, (): Plan => {
    const r = random();
    const retries = random() < 0.2 ? 2 : 0;
    if (r < 0.015) return { kind: "exit", retries, cancel: "none" };
    if (r < 0.03) return { kind: "asyncCrash", retries, cancel: "none" };
    if (r < 0.08) return { kind: "untilAborted", retries, cancel: "while" };
    if (r < 0.12) return { kind: "untilAborted", retries, cancel: "timeout" };
    if (r < 0.16) return { kind: "ok", retries, cancel: "before" };
    if (r < 0.3) return { kind: "throw", retries, cancel: "none" };
    if (r < 0.5) return { kind: "async", retries, cancel: "none" };
    if (r < 0.55) return { kind: "spin", retries, cancel: "none" };
    return { kind: "ok", retries, cancel: "none" };
  });
}

test(`chaos: ${total} mixed calls (seed ${seed}) each settle once, run at most 1 + retries times, and none is lost`, async () => {
  const plans = plan(mulberry32(seed));
  const counts = new Int32Array(new SharedArrayBuffer(8 * plans.length));
  const pool = createPool<ChaosTasks>(chaosUrl, {
    maxWorkers: 2,
    concurrency: 4,
    autotune: false,
    cancelGraceMs: 200,
    onFull: "wait", // any WORKLOOM_CHAOS_TASKS fits, and waiting for room joins the chaos
    maxQueue: 1000,
  });
  const settledEvents = new Map<number, number>();
  const count = (e: { id: number }) => settledEvents.set(e.id, (settledEvents.get(e.id) ?? 0) + 1);
  pool.on("taskFinished", count);
  pool.on("taskFailed", count);
  let crashes = 0;
  pool.on("workerExited", () => crashes++);
  try {
    const calls = plans.map((p, i) => {
      const controller = new AbortController();
      if (p.cancel === "before") controller.abort();
      if (p.cancel === "while") setTimeout(() => controller.abort(), 1 + (i % 5));
      const options = {
        retries: p.retries,
        signal: controller.signal,
        ...(p.cancel === "timeout" ? { timeoutMs: 2 + (i % 7) } : {}),
      };
      return pool.run("chaos", { counts, i, kind: p.kind, ms: 1 }, options).then(
        (value) => ({ ok: true, value }) as const,
        (error) => ({ ok: false, error }) as const,
      );
    });
    const outcomes = await within(Promise.all(calls), 120_000, "the chaos calls");

    const problems: string[] = [];
    for (const [i, p] of plans.entries()) {
      const runs = counts[2 * i];
      const o = outcomes[i];
      const what = `call ${i} (${p.kind}, cancel ${p.cancel}, retries ${p.retries})`;
      if (runs > 1 + p.retries) problems.push(`${what} ran ${runs} times`);
      const crashed = !o.ok && o.error instanceof WorkerCrashedError;
      // More than one run is allowed only for a retried task whose worker really crashed.
      if (runs > 1 && p.retries === 0) problems.push(`${what} ran ${runs} times without retries`);
      if (p.cancel === "before") {
        if (runs !== 0) problems.push(`${what} ran although aborted before run()`);
        if (o.ok || (o.error as Error).name !== "AbortError") problems.push(`${what} not aborted`);
        continue;
      }
      if (crashed) {
        // Only a call running when its worker died may crash, and only once every attempt it
        // was allowed started (a started attempt with retries left runs again): one that had not
        // started must be queued again and complete, so a crash after fewer starts is a call lost.
        if (runs !== 1 + p.retries) {
          problems.push(`${what} lost: crashed after ${runs} of ${1 + p.retries} attempts started`);
        }
        continue;
      }
      switch (p.kind) {
        case "ok":
        case "async":
        case "spin":
        case "asyncCrash":
          if (!o.ok || o.value !== i) {
            problems.push(`${what} gave ${String(o.ok ? o.value : o.error)}`);
          }
          break;
        case "throw":
          if (o.ok || !(o.error instanceof TaskError)) problems.push(`${what} did not throw`);
          break;
        case "exit":
          problems.push(`${what} ${o.ok ? "resolved" : `rejected with ${o.error}`}`);
          break;
        case "untilAborted": {
          const expected = p.cancel === "timeout" ? TimeoutError : undefined;
          if (o.ok) problems.push(`${what} resolved`);
          else if (expected && !(o.error instanceof expected)) {
            problems.push(`${what} rejected with ${o.error}`);
          } else if (!expected && (o.error as Error).name !== "AbortError") {
            problems.push(`${what} rejected with ${o.error}`);
          }
          break;
        }
      }
    }
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);

    // Every call settled exactly once, as the pool's events saw it (a call whose signal was
    // aborted before run() is refused at once and never becomes a task).
    const twice = [...settledEvents].filter(([, n]) => n !== 1);
    assert.deepEqual(twice, []);
    assert.equal(settledEvents.size, plans.filter((p) => p.cancel !== "before").length);
    assert.ok(crashes > 0, "the mix crashed no worker: the test would prove nothing");
    // And the pool still works.
    const after = new Int32Array(new SharedArrayBuffer(8));
    assert.equal(await pool.run("chaos", { counts: after, i: 0, kind: "ok" }), 0);
  } finally {
    await within(pool.close({ timeoutMs: 10_000 }), 20_000, "close()");
  }
  assert.equal(pool.workerCount, 0);
});
