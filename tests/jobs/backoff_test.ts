import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, MAX_BACKOFF_MS } from "../../src/jobs/backoff.ts";

test("backoffDelay doubles from the base for each attempt and stops at the cap", () => {
  const table: [number, number, number | undefined, number][] = [
    [1, 100, undefined, 100],
    [2, 100, undefined, 200],
    [5, 100, undefined, 1600],
    [4, 0, undefined, 0],
    [10, 1000, 5000, 5000],
    [200, 1000, undefined, MAX_BACKOFF_MS],
  ];
  for (const [attempt, base, maxMs, expected] of table) {
    assert.equal(backoffDelay(attempt, base, { maxMs }), expected, `attempt ${attempt}`);
  }
});

test("backoffDelay rejects an attempt below 1 or a negative base, naming the option", () => {
  assert.throws(() => backoffDelay(0, 100), /'attempt' must be a positive integer/);
  assert.throws(() => backoffDelay(1, -1), /'baseMs' must be a non-negative number/);
  assert.throws(() => backoffDelay(1, Number.NaN), RangeError);
});
