import { test } from "node:test";
import assert from "node:assert/strict";
import { startSweeper, SWEEP_SLICE } from "../../src/server/sweeper.ts";

// The server's retention sweep goes in slices, each a store.sweep(SWEEP_SLICE), with a macrotask
// between them: requests (and timers) get their turn while thousands of jobs expire. A timer set
// at one slice fires before the next slice starts only if the sweep gave the event loop a turn.

test("the sweeper sweeps in slices of SWEEP_SLICE with a turn of the event loop between them, and stops", async () => {
  const limits: (number | undefined)[] = [];
  const turned: boolean[] = [];
  let turn = true;
  let slicesLeft = 5;
  const store = {
    sweep(limit?: number) {
      limits.push(limit);
      turned.push(turn);
      turn = false;
      setTimeout(() => (turn = true), 0);
      return slicesLeft-- > 1 ? { expired: 1, forgotten: 0, more: true as const } : {
        expired: 1,
        forgotten: 0,
      };
    },
  };
  const sweeper = startSweeper(store, 10, (e) => assert.fail(String(e)));
  try {
    while (limits.length < 5) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(limits.slice(0, 5), [
      SWEEP_SLICE,
      SWEEP_SLICE,
      SWEEP_SLICE,
      SWEEP_SLICE,
      SWEEP_SLICE,
    ]);
    assert.deepEqual(turned.slice(0, 5), [true, true, true, true, true], "a turn between slices");
    // A store that always has more: stopping ends the sweep between two slices.
    slicesLeft = Infinity;
    await new Promise((r) => setTimeout(r, 30));
  } finally {
    sweeper.stop();
  }
  const after = limits.length;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(limits.length, after, "no slice after stop()");
});

test("a sweep still going when the next one is due is not doubled (a store that answers slowly)", async () => {
  let calls = 0;
  let going = 0;
  let most = 0;
  const store = {
    async sweep() {
      calls++;
      most = Math.max(most, ++going);
      await new Promise((r) => setTimeout(r, 40));
      going--;
      return { expired: 0, forgotten: 0 };
    },
  };
  const sweeper = startSweeper(store, 5, (e) => assert.fail(String(e)));
  try {
    await new Promise((r) => setTimeout(r, 150));
  } finally {
    sweeper.stop();
  }
  assert.ok(calls >= 2, `${calls} sweeps in 150 ms`);
  assert.equal(most, 1, "two sweeps at once");
  // Let the sweep that was going at stop() end before the test does.
  await new Promise((r) => setTimeout(r, 60));
});
