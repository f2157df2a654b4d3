import { test } from "node:test";
import assert from "node:assert/strict";
import { FlushScheduler } from "../../src/engine/dispatcher.ts";
import { runScript } from "../fixtures/run_script.ts";

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

test("release() while a macrotask flush is pending keeps it, and the flush still runs", async () => {
  let flushes = 0;
  const s = new FlushScheduler(() => flushes++);
  s.schedule(false);
  s.release();
  assert.equal(s.pending, true);
  while (s.pending) await nextMacrotask();
  assert.equal(flushes, 1);
  s.close();
});

test("after release() on an idle scheduler, a later macrotask flush opens a new channel and runs", async () => {
  let flushes = 0;
  const s = new FlushScheduler(() => flushes++);
  s.schedule(false);
  while (s.pending) await nextMacrotask();
  s.release();
  s.schedule(false);
  while (s.pending) await nextMacrotask();
  s.schedule(true);
  await Promise.resolve();
  assert.equal(flushes, 3);
  s.close();
});

test("a turn that finds the pool idle releases the channel that a pending turn kept open", async () => {
  const exit = await runScript("tests/fixtures/turn_after_idle.ts", [], {
    limitMs: 20_000,
    exitAfterOutputMs: 5_000,
  });
  assert.equal(exit.killed, false, `the process did not exit; stderr:\n${exit.stderr}`);
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.stdout.trim(), "scheduled");
});
