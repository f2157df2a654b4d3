// The process profile with real child processes: the pool's API over the pipe, crash
// containment (kill -9 mid-task), timeouts that kill a loop that never yields, heartbeats, what
// may cross the pipe, and shutdown that leaves no child behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createPool,
  type Pool,
  type PoolOptions,
  TimeoutError,
  WorkerCrashedError,
  WorkerUnresponsiveError,
} from "../../mod.ts";
import { alive, nextEvent, rejection, until, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/process_tasks.ts");
const url = new URL("../fixtures/process_tasks.ts", import.meta.url);

function processPool(options: PoolOptions = {}): Pool<Tasks> {
  return createPool<Tasks>(url, {
    isolation: "process",
    maxWorkers: 1,
    autotune: false,
    ...options,
  });
}

/** A gate file for pidWhenOpen: `open()` lets every task waiting on it return. */
function gate() {
  const dir = mkdtempSync(join(tmpdir(), "workloom-gate-"));
  const path = join(dir, "open");
  return {
    path,
    open: () => writeFileSync(path, ""),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function pidOf(p: Pool<Tasks>, task: string): number | null {
  return p.diagnostics().workers.find((w) => w.currentTask === task)?.pid ?? null;
}

test("process pool: run() and map() go through a child process, which diagnostics show by pid and memory", async () => {
  const p = processPool({ maxWorkers: 2 });
  try {
    const pid = await p.run("pid", undefined);
    assert.notEqual(pid, process.pid);
    assert.deepEqual(await p.map("echo", [1, 2, 3], { inline: false }), [1, 2, 3]);
    const row = p.diagnostics().workers.find((w) => w.pid === pid)!;
    assert.equal(row.transport, "process");
    assert.ok(row.memoryBytes! > 1024 * 1024, `resident memory ${row.memoryBytes}`);
  } finally {
    await p.close();
  }
});

test("process pool: inputs are copied with what structured clone carries, not only JSON", async () => {
  const p = processPool();
  try {
    const input = [new Map([[1, 2]]), new Date(0), new Uint8Array([1]), undefined, 10n];
    assert.deepEqual(await p.run("describe", input), [
      "[object Map]",
      "[object Date]",
      "[object Uint8Array]",
      "undefined",
      "[object BigInt]",
    ]);
    assert.deepEqual(
      await p.run("echo", new Map([["a", new Set([1])]])),
      new Map([["a", new Set([1])]]),
    );
  } finally {
    await p.close();
  }
});

test("process pool: an input holding a SharedArrayBuffer is refused with a TypeError naming the task", async () => {
  const p = processPool();
  try {
    const e = await rejection(p.run("echo", { rows: [new Int32Array(new SharedArrayBuffer(8))] }));
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /task 'echo'/);
    assert.match(e.message, /input\.rows\[0\]\.buffer is a SharedArrayBuffer/);
    assert.equal(await p.run("echo", "after"), "after");
  } finally {
    await p.close();
  }
});

test("process pool: kill -9 of a child mid-task fails that task, every other task succeeds, and the pool recovers", async () => {
  const p = processPool({ maxWorkers: 2, minWorkers: 2 });
  try {
    const doomed = rejection(p.run("waitForever", undefined));
    await until(() => pidOf(p, "waitForever") !== null, "the doomed task to start");
    const victim = pidOf(p, "waitForever")!;
    const others = Array.from({ length: 20 }, (_, i) => p.run("echo", i));
    process.kill(victim, "SIGKILL");
    const e = await within(doomed, 10_000, "the doomed task");
    assert.ok(e instanceof WorkerCrashedError, e.message);
    assert.match(e.message, /SIGKILL/);
    assert.deepEqual(await Promise.all(others), Array.from({ length: 20 }, (_, i) => i));
    const pids = new Set(await Promise.all([p.run("pidAfter", 30), p.run("pidAfter", 30)]));
    assert.ok(!pids.has(victim));
    assert.equal(p.workerCount, 2);
  } finally {
    await p.close();
  }
});

test("process pool: with retries, the task a killed child had started runs again in another child", async () => {
  // The task holds its child until the gate opens, after the kill: a timed task could end before
  // the test saw it start on a loaded machine.
  const g = gate();
  const p = processPool({ process: { denoPermissions: ["--allow-read"] } });
  try {
    const call = p.run("pidWhenOpen", g.path, { retries: 1 });
    await until(() => pidOf(p, "pidWhenOpen") !== null, "the task to start");
    const victim = pidOf(p, "pidWhenOpen")!;
    process.kill(victim, "SIGKILL");
    g.open();
    const pid = await within(call, 10_000, "the retried task");
    assert.notEqual(pid, victim);
  } finally {
    await p.close();
    g.remove();
  }
});

test("process pool: a never-yielding loop past timeoutMs rejects with TimeoutError and its child is killed", async () => {
  const p = processPool({ cancelGraceMs: 50 });
  try {
    await p.run("echo", "warm"); // the timeout should catch the loop running, not the child starting
    const call = rejection(p.run("spinForever", undefined, { timeoutMs: 100 }));
    await until(() => pidOf(p, "spinForever") !== null, "the loop to start");
    const pid = pidOf(p, "spinForever")!;
    assert.ok((await call) instanceof TimeoutError);
    // Killed cancelGraceMs (50 ms) after the 100 ms timeout: 3 s is ample on a loaded machine,
    // and a child never killed fails here in 3 s rather than the default 10.
    await until(() => !alive(pid), "the spinning child to be killed", 3_000);
    assert.equal(await p.run("echo", "after"), "after");
  } finally {
    await p.closeNow(); // close() would wait for a child that never stops
  }
});

test("process pool: cancellation reaches the child by message, and a task checking shouldStop() ends", async () => {
  const p = processPool({ cancelGraceMs: 5000 });
  try {
    const c = new AbortController();
    const call = p.run("cooperative", undefined, { signal: c.signal });
    await until(() => pidOf(p, "cooperative") !== null, "the task to start");
    const pid = pidOf(p, "cooperative")!;
    c.abort();
    assert.equal((await rejection(call)).name, "AbortError");
    // The child stopped the task itself and was not replaced.
    assert.equal(await p.run("pid", undefined), pid);
  } finally {
    await p.close();
  }
});

// Margins wide enough that a loaded machine (a child or this process not scheduled for a few
// hundred milliseconds) never looks like a hang: a blocked child is still found in about 1.25 s.
const beat = { heartbeatIntervalMs: 250, heartbeatTimeoutMs: 1000, maxMissedHeartbeats: 2 };
const detectionMs = beat.heartbeatTimeoutMs + beat.heartbeatIntervalMs;

test("process pool: a CPU-bound task longer than several heartbeat timeouts is not mistaken for a hang", async () => {
  const p = processPool({ process: beat });
  try {
    const first = await p.run("pid", undefined);
    const exits: string[] = [];
    p.on("workerExited", (e) => exits.push(e.reason));
    // Three heartbeats' worth of detection time on the child's only thread.
    assert.equal(await p.run("spinFor", 3 * detectionMs), first);
    assert.equal(await p.run("pid", undefined), first);
    assert.deepEqual(exits, []);
  } finally {
    await p.close();
  }
});

test("process pool: a child whose event loop is blocked with no task running is killed on missed heartbeats and replaced", async () => {
  const p = processPool({ process: beat });
  try {
    const exited = nextEvent(p, "workerExited");
    const blocked = await p.run("pid", undefined);
    assert.equal(await p.run("blockLater", undefined), "returned");
    const { reason } = await within(exited, 10_000, "the blocked child's end");
    assert.match(reason, /heartbeats/);
    await until(() => !alive(blocked), "the blocked child to be killed");
    assert.notEqual(await p.run("pid", undefined), blocked);
  } finally {
    await p.closeNow(); // close() would wait for a child that never stops
  }
});

test("process pool: a task whose child stops answering after the task went async rejects with WorkerUnresponsiveError", async () => {
  const p = processPool({ process: beat });
  try {
    const e = await within(rejection(p.run("blockAfterAwait", undefined)), 10_000, "the task");
    assert.ok(e instanceof WorkerUnresponsiveError, e.message);
    assert.ok(e instanceof WorkerCrashedError);
    assert.equal(await p.run("echo", "after"), "after");
  } finally {
    await p.closeNow(); // close() would wait for a child that never stops
  }
});

test("process pool: close() leaves no child behind", async () => {
  // Both tasks hold their children until both run, so that there are two children to close
  // (with timed tasks, a slow second start could let the first child take both).
  const g = gate();
  const p = processPool({ maxWorkers: 2, process: { denoPermissions: ["--allow-read"] } });
  const calls = [p.run("pidWhenOpen", g.path), p.run("pidWhenOpen", g.path)];
  await until(
    () => p.diagnostics().workers.filter((w) => w.currentTask === "pidWhenOpen").length === 2,
    "both tasks to start",
  );
  g.open();
  const pids = await Promise.all(calls);
  g.remove();
  assert.equal(new Set(pids).size, 2);
  await p.close();
  for (const pid of pids) assert.ok(!alive(pid), `child ${pid} is still alive`);
});

test("process pool: closeNow() with a task running leaves no child behind", async () => {
  const p = processPool();
  const running = rejection(p.run("spinForever", undefined));
  await until(() => pidOf(p, "spinForever") !== null, "the loop to start");
  const pid = pidOf(p, "spinForever")!;
  await p.closeNow();
  assert.equal((await running).name, "PoolClosedError");
  assert.ok(!alive(pid), `child ${pid} is still alive`);
});
