// The process profile's limits on a child, with real child processes: the V8 heap cap
// (maxHeapMb), the start deadline (startTimeoutMs) for a child whose task module never finishes
// loading, and SIGKILL for a child that ignores SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  createPool,
  type Pool,
  type PoolOptions,
  WorkerCrashedError,
  WorkerStartError,
} from "../../mod.ts";
import { alive, rejection, until, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/process_limit_tasks.ts");
const url = new URL("../fixtures/process_limit_tasks.ts", import.meta.url);
const isBun = "Bun" in globalThis;

function processPool(options: PoolOptions = {}): Pool<Tasks> {
  return createPool<Tasks>(url, {
    isolation: "process",
    maxWorkers: 1,
    autotune: false,
    ...options,
  });
}

function settled<T>(p: Promise<T>): Promise<{ ok: boolean; value: unknown }> {
  return p.then((value) => ({ ok: true, value }), (value) => ({ ok: false, value }));
}

test("process pool: a child whose task module never finishes loading fails its calls after startTimeoutMs", async () => {
  const p = createPool(new URL("../fixtures/pool_faults/never_loads.ts", import.meta.url), {
    isolation: "process",
    maxWorkers: 1,
    autotune: false,
    startTimeoutMs: 300,
    maxStartFailures: 1,
  });
  const pids: number[] = [];
  p.on("workerSpawned", (e) => {
    const pid = p.diagnostics().workers.find((w) => w.id === e.workerId)?.pid;
    if (pid) pids.push(pid);
  });
  try {
    // The call fails on a 300 ms timer started at the spawn: 5 s leaves ample room for a loaded
    // machine, and a pool without the deadline fails here in 5 s rather than 10.
    const e = await within(rejection(p.run("never", 1)), 5_000, "the call");
    assert.ok(e instanceof WorkerStartError, String(e));
    assert.match(e.message, /did not start within 300 ms/);
  } finally {
    // Its only child has ended: close() has nothing to wait for (without the start deadline
    // it waits for a start that never comes).
    await within(p.close(), 5_000, "close()");
  }
  assert.ok(pids.length >= 1, "a child was started");
  for (const pid of pids) await until(() => !alive(pid), `child ${pid} to end`);
});

test("process pool: maxHeapMb caps a child's V8 heap on Deno and Node (past it the child dies), and has no effect on Bun", async () => {
  const capped = processPool({ process: { maxHeapMb: 64 } });
  const free = processPool();
  try {
    // About 160 MB of live objects, 2.5 times the cap.
    const held = await within(settled(capped.run("holdHeapMb", 160)), 30_000, "the heap hog");
    if (isBun) {
      // JavaScriptCore has no hard heap cap: the README says the option does nothing there.
      assert.deepEqual(held, { ok: true, value: 160 });
      return;
    }
    assert.equal(held.ok, false, "the child held 160 MB under maxHeapMb 64");
    assert.ok(held.value instanceof WorkerCrashedError, String(held.value));
    // The replacement child has the same cap: V8 adds the young generation to the old space it
    // is given, so the limit lands near 64 MB plus that, far below the default.
    const [cappedMb, freeMb] = await Promise.all([
      capped.run("heapLimitMb", undefined),
      free.run("heapLimitMb", undefined),
    ]);
    assert.ok(cappedMb <= 64 * 3, `heap limit ${cappedMb} MB with maxHeapMb 64`);
    assert.ok(cappedMb < freeMb, `capped ${cappedMb} MB, uncapped ${freeMb} MB`);
  } finally {
    await Promise.all([capped.close(), free.close()]);
  }
});

test("process pool: a child that ignores SIGTERM while it spins is killed with SIGKILL after the grace, and closeNow() settles", async () => {
  const p = createPool<typeof import("../fixtures/process_sigterm_tasks.ts")>(
    new URL("../fixtures/process_sigterm_tasks.ts", import.meta.url),
    { isolation: "process", maxWorkers: 1, autotune: false },
  );
  const call = rejection(p.run("spinFor", 20_000));
  let pid: number | null = null;
  const running = () => p.diagnostics().workers.find((w) => w.currentTask === "spinFor")?.pid;
  try {
    await until(() => (pid = running() ?? null) !== null, "the task to start");
    // SIGTERM goes at once and is ignored (its handler cannot even run); SIGKILL must follow.
    // SIGKILL follows the SIGTERM after a 1 s grace: 5 s is ample, and a child never killed
    // fails here in 5 s rather than 10.
    await within(p.closeNow(), 5_000, "closeNow()");
    assert.equal((await call).name, "PoolClosedError");
    await until(() => !alive(pid!), "the child that ignores SIGTERM to be killed", 5000);
  } finally {
    // Were SIGKILL never sent, the test ends the child rather than leave it spinning.
    if (pid !== null && alive(pid)) process.kill(pid, "SIGKILL");
  }
});
