import { test } from "node:test";
import assert from "node:assert/strict";
import { Closing } from "../src/closing.ts";

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
  late.begin(5, (ms) => hit.push(ms));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(hit, [5]);
  const prompt = new Closing();
  prompt.begin(5, (ms) => hit.push(ms * 100));
  prompt.finish();
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(hit, [5], "finish() cleared the deadline");
});
