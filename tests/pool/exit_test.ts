// A process that used a pool must exit by itself once the pool is closed: no worker, timer or
// port may keep it alive. Each case runs tests/fixtures/exit_after_close.ts as a child process
// on the runtime running this test, and kills it if it has not exited within 10 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runScript as run, type ScriptExit } from "../fixtures/run_script.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

function runScript(mode: string): Promise<ScriptExit> {
  return run("tests/fixtures/exit_after_close.ts", [mode], { limitMs: 10_000 });
}

function assertExitedCleanly(exit: ScriptExit): void {
  assert.equal(exit.killed, false, `the process did not exit within 10 s; stderr:\n${exit.stderr}`);
  assert.equal(exit.code, 0, `exit code ${exit.code}; stderr:\n${exit.stderr}`);
}

test("a process exits by itself after close(), even when some of its tasks failed or timed out", async () => {
  const exit = await runScript("close");
  assertExitedCleanly(exit);
  assert.equal(exit.stdout, "ok ok RangeError TimeoutError TimeoutError TimeoutError");
});

test("a process exits by itself after closeNow() while a task is running", async () => {
  // A cooperative loop (it checks shouldStop()) must let the process end on every runtime.
  // A task ignoring cancellation is checked on Bun only: Bun stops a spinning worker at once,
  // while Deno's worker.terminate() leaves the thread spinning and the process waits for it;
  // the README points Deno users to cooperative cancellation and the process profile.
  const modes = isDeno ? ["closeNow-loop"] : ["closeNow-loop", "closeNow-runaway"];
  for (const mode of modes) {
    const exit = await runScript(mode);
    assertExitedCleanly(exit);
    assert.equal(exit.stdout, "PoolClosedError", mode);
  }
});
