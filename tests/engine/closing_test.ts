import { test } from "node:test";
import assert from "node:assert/strict";
import { Closing } from "../../src/engine/closing.ts";
import { timersDueWithin, within } from "../fixtures/pool_helpers.ts";

test("Closing moves open → closing → closed once and resolves every waiter", async () => {
  const closing = new Closing();
  const first = closing.wait();
  assert.equal(closing.begin(undefined, () => assert.fail("no deadline was set")), true);
  assert.equal(closing.state, "closing");
  assert.equal(closing.begin(10, () => {}), false, "only an open pool begins closing");
  const second = closing.wait();
  closing.finish();
  assert.equal(closing.state, "closed");
  await Promise.all([first, second, closing.wait()]);
});

test("Closing calls the deadline with its timeout while still closing, and not after finish", async () => {
  const hit: number[] = [];
  const late = new Closing();
  await within(
    new Promise<void>((resolve) => {
      late.begin(5, (ms) => {
        hit.push(ms);
        resolve();
      });
    }),
    10_000,
    "the deadline",
  );
  assert.deepEqual(hit, [5]);
  const prompt = new Closing();
  prompt.begin(5, (ms) => hit.push(ms * 100));
  prompt.finish();
  // Timers fire in deadline order: had finish() left the 5 ms deadline armed, it fired by now.
  await timersDueWithin(30);
  assert.deepEqual(hit, [5], "finish() cleared the deadline");
});
