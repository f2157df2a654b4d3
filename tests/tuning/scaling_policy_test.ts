import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveControllerOptions } from "../../src/tuning/controller_options.ts";
import {
  INITIAL_SCALING,
  percent,
  type ScalingInput,
  scalingStep,
} from "../../src/tuning/scaling_policy.ts";

const o = resolveControllerOptions(4);
const base: ScalingInput = {
  now: 10_000,
  workers: 2,
  liveWorkers: 2,
  busyWorkers: 2,
  queueDepth: 14,
  cpuUtilization: 0.61,
  softLimit: 4,
  hardLimit: 8,
};

test("scalingStep scales up on queue depth and busy ratio with a readable reason", () => {
  const r = scalingStep(INITIAL_SCALING, base, o);
  assert.equal(r.workers, 3);
  assert.deepEqual(r.decision, {
    at: 10_000,
    kind: "scale-up",
    from: 2,
    to: 3,
    reason: "scale up 2→3: queue 14 > 1.5×2, busy 100%, cpu 61% ≤ 80%",
  });
  assert.equal(r.state.lastResizeAt, 10_000);
});

test("scalingStep holds when any scale-up guard fails", () => {
  const table: [Partial<ScalingInput>, RegExp][] = [
    [{ queueDepth: 3 }, /^hold: busy 100%, queue 3$/],
    [{ busyWorkers: 1 }, /^hold: busy 50%/],
    [{ workers: 4, liveWorkers: 4, busyWorkers: 4, queueDepth: 40 }, /^hold: at soft limit 4$/],
    [{ cpuUtilization: 0.9 }, /^hold: cpu 90% > 80%$/],
    [{ now: 10_100 }, /^hold: cooldown 500 ms$/],
  ];
  const cooled = { ...INITIAL_SCALING, lastResizeAt: 9_900 };
  for (const [patch, reason] of table) {
    const r = scalingStep(patch.now ? cooled : INITIAL_SCALING, { ...base, ...patch }, o);
    assert.equal(r.decision, undefined);
    assert.equal(r.workers, patch.workers ?? 2);
    assert.match(r.reason, reason);
  }
});

test("scalingStep grows from zero live workers and says so when the CPU is unknown", () => {
  const r = scalingStep(INITIAL_SCALING, {
    ...base,
    workers: 0,
    liveWorkers: 0,
    busyWorkers: 0,
    queueDepth: 1,
    cpuUtilization: undefined,
  }, resolveControllerOptions(4, { minWorkers: 0 }));
  assert.equal(r.workers, 1);
  assert.match(r.reason, /scale up 0→1: queue 1 > 1.5×0, busy 100%, cpu unknown/);
});

test("scalingStep counts a pool with no live worker and no work as idle", () => {
  const r = scalingStep(
    INITIAL_SCALING,
    { ...base, liveWorkers: 0, busyWorkers: 0, queueDepth: 0 },
    o,
  );
  assert.deepEqual([r.state.idleStreak, r.reason], [1, "hold: busy 0%, queue 0"]);
});

test("scalingStep passes the soft limit only after the queue grew for growIntervals intervals", () => {
  let state = INITIAL_SCALING;
  const at4 = { ...base, workers: 4, liveWorkers: 4, busyWorkers: 4 };
  const reasons: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const r = scalingStep(state, { ...at4, now: 10_000 + i * 1000, queueDepth: 100 * i }, o);
    state = r.state;
    reasons.push(r.reason);
    if (i < 4) assert.equal(r.workers, 4);
    else {
      assert.equal(r.workers, 6);
      assert.match(r.reason, /queue grew 4 intervals: past soft limit 4$/);
    }
  }
  const r = scalingStep(state, {
    ...at4,
    workers: 8,
    liveWorkers: 8,
    busyWorkers: 8,
    now: 20_000,
    queueDepth: 900,
  }, o);
  assert.equal(r.reason, "hold: at hard limit 8");
});

test("scalingStep shrinks at once to a lowered hard limit and names the limit", () => {
  const r = scalingStep(INITIAL_SCALING, {
    ...base,
    workers: 4,
    hardLimit: 2,
    limitReason: "CPU-bound load: limit",
  }, o);
  assert.equal(r.workers, 2);
  assert.equal(r.decision?.reason, "scale down 4→2: CPU-bound load: limit is 2");
  const plain = scalingStep(INITIAL_SCALING, { ...base, workers: 9, hardLimit: 8 }, o);
  assert.equal(plain.decision?.reason, "scale down 9→8: hard limit is 8");
});

test("scalingStep scales down only after idleIntervals consecutive idle intervals", () => {
  let state = INITIAL_SCALING;
  const idle = { ...base, workers: 4, liveWorkers: 4, busyWorkers: 0, queueDepth: 0 };
  const seen: number[] = [];
  for (let i = 1; i <= 5; i++) {
    const r = scalingStep(state, { ...idle, now: i * 1000 }, o);
    state = r.state;
    seen.push(r.workers);
  }
  assert.deepEqual(seen, [4, 4, 4, 3, 4]);
  assert.equal(state.idleStreak, 1);
});

test("scalingStep scale-down reason, cooldown, minimum and busy-worker floor", () => {
  const idle = { ...INITIAL_SCALING, idleStreak: 3 };
  const input = { ...base, workers: 4, liveWorkers: 4, busyWorkers: 0, queueDepth: 0 };
  const r = scalingStep(idle, input, o);
  assert.equal(r.decision?.reason, "scale down 4→3: idle 4 intervals (busy 0% < 25%, queue empty)");
  assert.equal(r.state.idleStreak, 0);
  assert.match(scalingStep({ ...idle, lastResizeAt: 9_900 }, input, o).reason, /cooldown/);
  assert.match(scalingStep(idle, { ...input, workers: 1 }, o).reason, /^hold: busy 0%/);
  // Ten live workers, two busy, target two: shrinking would push the two busy past 75%.
  const floor = scalingStep(idle, { ...input, workers: 2, liveWorkers: 10, busyWorkers: 2 }, o);
  assert.equal(floor.reason, "hold: 2 busy workers need 3");
  const conservative = resolveControllerOptions(4, { policy: "conservative", maxWorkers: 8 });
  assert.equal(
    scalingStep(
      { ...INITIAL_SCALING, idleStreak: 1 },
      { ...input, workers: 6, liveWorkers: 6 },
      conservative,
    ).workers,
    4,
  );
});

test("scalingStep never flaps on a steady load inside the hysteresis band", () => {
  let state = INITIAL_SCALING;
  for (let i = 0; i < 50; i++) {
    const r = scalingStep(state, { ...base, now: i * 250, busyWorkers: 1, queueDepth: 0 }, o);
    assert.equal(r.decision, undefined);
    state = r.state;
  }
});

test("percent formats ratios and unknowns", () => {
  assert.deepEqual([percent(0.613), percent(1), percent(undefined)], ["61%", "100%", "unknown"]);
});
