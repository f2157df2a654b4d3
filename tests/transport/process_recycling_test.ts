// The process profile's life cycle: recycling by TTL, task count and resident memory, the
// environment and Deno permissions a child starts with, a respawn storm that stops with a clear
// error, and a process that exits by itself after a never-yielding task timed out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, type Pool, type PoolOptions, WorkerStartError } from "../../mod.ts";
import { nextEvent, rejection, within } from "../fixtures/pool_helpers.ts";
import { runScript } from "../fixtures/run_script.ts";

type Tasks = typeof import("../fixtures/process_tasks.ts");
const url = new URL("../fixtures/process_tasks.ts", import.meta.url);
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

function processPool(options: PoolOptions = {}): Pool<Tasks> {
  return createPool<Tasks>(url, {
    isolation: "process",
    maxWorkers: 1,
    autotune: false,
    ...options,
  });
}

test("process pool: a child past workerTtlMs retires and the next task runs in a fresh one", async () => {
  const p = processPool({ process: { workerTtlMs: 150 } });
  try {
    const exited = nextEvent(p, "workerExited");
    const first = await p.run("pid", undefined);
    assert.match((await within(exited, 10_000, "the TTL retirement")).reason, /workerTtlMs/);
    assert.notEqual(await p.run("pid", undefined), first);
  } finally {
    await p.close();
  }
});

test("process pool: maxTasksPerWorker retires a child after that many tasks, losing none", async () => {
  const p = processPool({ maxTasksPerWorker: 2 });
  try {
    const pids = [];
    for (let i = 0; i < 5; i++) pids.push(await p.run("pid", undefined));
    assert.equal(pids[0], pids[1]);
    assert.notEqual(pids[1], pids[2]);
    assert.equal(pids[2], pids[3]);
    assert.notEqual(pids[3], pids[4]);
  } finally {
    await p.close();
  }
});

test("process pool: a child whose resident memory passes maxMemoryMb retires after its task", async () => {
  const p = processPool({ process: { maxMemoryMb: 160 } });
  try {
    const a = await p.run("pid", undefined);
    assert.equal(await p.run("pid", undefined), a); // under the limit: kept
    const exited = nextEvent(p, "workerExited");
    await p.run("grow", 200);
    assert.match((await within(exited, 10_000, "the memory retirement")).reason, /maxMemoryMb/);
    assert.notEqual(await p.run("pid", undefined), a);
  } finally {
    await p.close();
  }
});

test("process pool: a child gets the pool's env over the thread caps, each cap 1 unless overridden", async () => {
  const p = processPool({
    process: {
      env: { OMP_NUM_THREADS: "4", WORKLOOM_TEST_VAR: "yes" },
      denoPermissions: [`--allow-read=${decodeURIComponent(url.pathname)}`, "--allow-env"],
    },
  });
  try {
    const names = [
      "OMP_NUM_THREADS",
      "OPENBLAS_NUM_THREADS",
      "MKL_NUM_THREADS",
      "NUMEXPR_NUM_THREADS",
      "VECLIB_MAXIMUM_THREADS",
      "WORKLOOM_TEST_VAR",
    ];
    assert.deepEqual(await p.run("env", names), {
      OMP_NUM_THREADS: "4",
      OPENBLAS_NUM_THREADS: "1",
      MKL_NUM_THREADS: "1",
      NUMEXPR_NUM_THREADS: "1",
      VECLIB_MAXIMUM_THREADS: "1",
      WORKLOOM_TEST_VAR: "yes",
    });
  } finally {
    await p.close();
  }
});

test("process pool: on Deno a child may read its task module and nothing else unless the pool grants more", async () => {
  const p = processPool();
  const granted = processPool({ process: { denoPermissions: ["--allow-read", "--allow-env"] } });
  try {
    const own = decodeURIComponent(url.pathname);
    const other = decodeURIComponent(new URL("../../README.md", url).pathname);
    if (!isDeno) {
      // Bun has no permissions: the task sees none to query.
      assert.equal(await p.run("denoPermissions", own), null);
      return;
    }
    assert.deepEqual(await p.run("denoPermissions", own), { read: "granted", env: "prompt" });
    assert.notEqual((await p.run("denoPermissions", other))!.read, "granted");
    assert.deepEqual(await granted.run("denoPermissions", other), {
      read: "granted",
      env: "granted",
    });
  } finally {
    await p.close();
    await granted.close();
  }
});

test("process pool: children that die while starting stop with WorkerStartError instead of respawning forever", async () => {
  const storm = createPool(new URL("../fixtures/process_exit_on_load.ts", import.meta.url), {
    isolation: "process",
    maxWorkers: 2,
    autotune: false,
  });
  try {
    const e = await within(rejection(storm.run("never", undefined)), 20_000, "the storm");
    assert.ok(e instanceof WorkerStartError, e.message);
    assert.match(e.message, /3 failed starts in a row/);
    assert.match(e.message, /code 3|process\.exit\(3\)/);
  } finally {
    await storm.close();
  }
});

test("process pool: a script whose never-yielding task timed out exits by itself", async () => {
  const run = await runScript("tests/fixtures/process_spin_script.ts", [], { limitMs: 20_000 });
  assert.equal(run.killed, false, `the script did not exit by itself: ${run.stderr}`);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^TimeoutError\nclosed \d+$/);
});
