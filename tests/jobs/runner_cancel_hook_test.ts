// The in-memory runner on workloom's own pool cancels each attempt through the pool's cancel hook,
// with no AbortSignal in the call (src/jobs/attempt_call.ts): a client's cancel and the attempt's
// own deadline must still reach the task in its worker, and a deadline must still count as a
// timeout (tried again), not as a cancel. Given another pool the runner keeps the signal
// (tests/jobs/job_runner_test.ts, its FakePool).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, type RunOptions } from "../../mod.ts";
import { CANCEL_HOOK, CancelHook, type HookedOptions } from "../../src/engine/cancel_hook.ts";
import { JobRunner } from "../../src/jobs/job_runner.ts";
import { JobStore } from "../../src/jobs/job_store.ts";
import type { Job } from "../../src/jobs/job.ts";
import { until } from "../fixtures/pool_helpers.ts";

const tasks = new URL("../fixtures/redis_tasks.ts", import.meta.url);

/** Resolves once job `id` reaches `status`. */
function reach(store: JobStore, id: string, status: Job["status"]): Promise<Job> {
  return new Promise((resolve) => {
    const now = store.lookup(id);
    if (now.state === "found" && now.job.status === status) return resolve(now.job);
    const stop = store.watch(id, (c) => {
      if (c.job?.status === status) {
        stop();
        resolve(c.job);
      }
    });
  });
}

/** A runner on a real one-worker pool whose hand-offs are recorded (each call's options). */
function start() {
  const p = createPool(tasks, { maxWorkers: 1, minWorkers: 1, autotune: false });
  const given: (RunOptions & HookedOptions)[] = [];
  const runMany = p.runMany.bind(p);
  p.runMany = (calls) => {
    const list = [...calls];
    for (const c of list) given.push(c.options ?? {});
    return runMany(list);
  };
  const runner = new JobRunner(p, new JobStore());
  const dir = mkdtempSync(join(tmpdir(), "workloom-hook-"));
  const log = join(dir, "log");
  const lines = () => existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  const stop = async () => {
    await runner.drain();
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { runner, given, log, lines, stop };
}

test("an attempt reaches the pool with a cancel hook and no signal; a client's cancel aborts the task in its worker", async () => {
  const { runner, given, log, lines, stop } = start();
  try {
    const { job } = runner.submit({ task: "awaitAbort", input: { log } });
    await until(() => lines().includes("started"), "the task to start");
    assert.equal(given.length, 1);
    assert.equal(given[0].signal, undefined, "an AbortSignal per attempt");
    assert.ok(given[0][CANCEL_HOOK] instanceof CancelHook);
    assert.equal(runner.cancel(job.id), "cancelled");
    await until(() => lines().length === 2, "the task to see the abort");
    assert.deepEqual(lines(), ["started", "aborted AbortError"]);
    const done = await reach(runner.store, job.id, "cancelled");
    assert.equal(done.attempts, 1);
    // The one worker is free again.
    const next = runner.submit({ task: "echo", input: 3 });
    assert.equal((await reach(runner.store, next.job.id, "succeeded")).result, 3);
  } finally {
    await stop();
  }
});

test("an attempt's deadline through the hook aborts the task with a TimeoutError, and the job is tried again", async () => {
  const { runner, log, lines, stop } = start();
  try {
    const { job } = runner.submit({
      task: "awaitAbort",
      input: { log },
      timeoutMs: 150,
      attempts: 2,
      backoffMs: 0,
    });
    const failed = await reach(runner.store, job.id, "failed");
    assert.equal(failed.attempts, 2);
    assert.equal(failed.error?.name, "TimeoutError");
    await until(() => lines().length === 4, "both attempts to see their deadline");
    assert.deepEqual(lines(), [
      "started",
      "aborted TimeoutError",
      "started",
      "aborted TimeoutError",
    ]);
  } finally {
    await stop();
  }
});
