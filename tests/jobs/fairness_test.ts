import { test } from "node:test";
import assert from "node:assert/strict";
import { type KeyTurn, nextTurn as nextTurnOf } from "../../src/jobs/fairness.ts";

const key = (ready: number, running = 0, limited = true): KeyTurn => ({ ready, running, limited });

/** The rule over a list of keys, each asked for only when the rule looks at it. */
function nextTurn(
  turns: KeyTurn[],
  last: number,
  limit: number,
  open?: (i: number) => boolean,
): number {
  return nextTurnOf(turns.length, (i) => turns[i], last, limit, open);
}

test("nextTurn asks only for the keys up to the one it serves", () => {
  const asked: number[] = [];
  const turns = [key(5), key(0), key(5), key(5)];
  const i = nextTurnOf(turns.length, (k) => (asked.push(k), turns[k]), 0, 2);
  assert.equal(i, 2);
  assert.deepEqual(asked, [1, 2]);
});

test("nextTurn serves the key after the one served last, wrapping around", () => {
  const turns = [key(5), key(5), key(5)];
  assert.equal(nextTurn(turns, -1, 2), 0);
  assert.equal(nextTurn(turns, 0, 2), 1);
  assert.equal(nextTurn(turns, 2, 2), 0);
});

test("nextTurn skips keys with nothing ready and keys at their limit", () => {
  assert.equal(nextTurn([key(9, 2), key(0), key(1)], 0, 2), 2);
  assert.equal(nextTurn([key(9, 2), key(1, 2)], 1, 2), -1);
  assert.equal(nextTurn([key(0), key(0)], 0, 2), -1);
  assert.equal(nextTurn([], -1, 2), -1);
});

test("nextTurn lets jobs without a key run past the per-key limit", () => {
  assert.equal(nextTurn([key(3, 10, false), key(3, 2)], 1, 2), 0);
});

test("nextTurn comes back to the key served last when no other key can run", () => {
  assert.equal(nextTurn([key(3, 0), key(0)], 0, 2), 0);
});
