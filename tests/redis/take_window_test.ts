import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_WINDOW_PER_SLOT, takeWindow } from "../../src/redis/take_window.ts";

test("takeWindow holds twice the slots before anything was measured", () => {
  assert.equal(takeWindow(4, {}), 8);
  assert.equal(takeWindow(0, {}), 2);
});

test("takeWindow covers the round trip for short jobs (Little's law) and stays near the slots for long ones", () => {
  assert.equal(takeWindow(4, { runMs: 0.1, roundTripMs: 0.5 }), 24);
  assert.equal(takeWindow(4, { runMs: 1000, roundTripMs: 0.5 }), 8);
});

test("takeWindow never holds more than MAX_WINDOW_PER_SLOT jobs per slot", () => {
  assert.equal(takeWindow(2, { runMs: 0, roundTripMs: 5 }), 2 * MAX_WINDOW_PER_SLOT);
});
