import { test } from "node:test";
import assert from "node:assert/strict";
import { FlushScheduler } from "../../src/engine/dispatcher.ts";

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
