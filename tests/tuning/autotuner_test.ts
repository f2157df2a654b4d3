import { test } from "node:test";
import assert from "node:assert/strict";
import { Autotuner, type Tunable } from "../../src/tuning/autotuner.ts";
import type { Lane } from "../../src/lane.ts";
import { timersDueWithin, until } from "../fixtures/pool_helpers.ts";

/** A pool stand-in whose counters the test sets, recording what the tuner applies. */
function fakePool() {
  const state = {
    workers: 1,
    busyWorkers: 1,
    concurrency: 1,
    inFlight: 1,
    queueDepth: 40,
    completed: 0,
    busyMs: 0,
    tasks: {} as Record<string, { count: number; waitMs: number; computeMs: number }>,
    idle: false,
    applied: [] as { workers: number; concurrency: number; lanes: Record<string, Lane> }[],
  };
  const pool: Tunable = {
    sample: () => ({
      workers: state.workers,
      busyWorkers: state.busyWorkers,
      concurrency: state.concurrency,
      inFlight: state.inFlight,
      queueDepth: state.queueDepth,
      completed: state.completed,
      busyMs: state.busyMs,
      tasks: structuredClone(state.tasks),
    }),
    apply: (target, lanes) => {
      state.applied.push({ ...target, lanes: { ...lanes } });
      state.workers = target.workers;
      state.concurrency = target.concurrency;
    },
    idle: () => state.idle,
  };
  return { state, pool };
}

test("Autotuner.tick routes a task that mostly waits to the async lane and records why", () => {
  const { state, pool } = fakePool();
  const tuner = new Autotuner(pool, 2, { monitorIntervalMs: 100 }, { sample: () => 0.1 });
  let now = 0;
  for (let i = 1; i <= 6; i++) {
    // The plant: each in-flight slot completes a 20 ms wait five times per 100 ms tick.
    state.completed += state.workers * state.concurrency * 5;
    state.tasks = { fetch: { count: state.completed, waitMs: 20, computeMs: 0.05 } };
    tuner.tick(now += 100);
  }
  const last = state.applied.at(-1)!;
  assert.equal(last.lanes.fetch, "async");
  assert.ok(
    last.concurrency > 1,
    `concurrency ${last.concurrency}: ${JSON.stringify(tuner.decisions)}`,
  );
  const route = tuner.decisions.find((d) => d.kind === "route");
  assert.ok(route, JSON.stringify(tuner.decisions));
  assert.match(route.reason, /"fetch" worker→async: W\/C \d+/);
  tuner.stop();
});

test("Autotuner.tick keeps a compute-bound load at the core count", () => {
  const { state, pool } = fakePool();
  // The plant: two cores, each worker computing keeps one busy; past two, workers share them.
  const cpu = { sample: () => Math.min(state.workers, 2) / 2 };
  const tuner = new Autotuner(pool, 2, { monitorIntervalMs: 100, maxWorkers: 4 }, cpu);
  let now = 0;
  for (let i = 1; i <= 40; i++) {
    state.busyWorkers = state.workers;
    state.inFlight = state.workers;
    state.completed += 50 * Math.min(state.workers, 2);
    state.tasks = { render: { count: state.completed, waitMs: 0.01, computeMs: 2 } };
    tuner.tick(now += 100);
  }
  const tail = state.applied.slice(-20).map((a) => a.workers);
  assert.deepEqual(new Set(tail), new Set([2]), `workers over the last 20 ticks: ${tail}`);
  tuner.stop();
});

test("Autotuner stops its timer after two idle ticks and wake() starts it again", async () => {
  const { state, pool } = fakePool();
  state.idle = true;
  state.queueDepth = 0;
  state.inFlight = 0;
  state.busyWorkers = 0;
  const tuner = new Autotuner(pool, 2, { monitorIntervalMs: 10 });
  try {
    tuner.wake();
    await until(() => state.applied.length >= 2, "two ticks");
    // Timers fire in deadline order: a third tick of a 10 ms interval would come before this.
    await timersDueWithin(50);
    assert.equal(state.applied.length, 2, "ticked exactly twice before stopping");
    tuner.wake();
    await until(() => state.applied.length >= 4, "two more ticks after wake()");
    await timersDueWithin(50);
    assert.equal(state.applied.length, 4);
  } finally {
    tuner.stop();
  }
});

test("Autotuner looks early after wake(): a waiting task is routed long before the first interval", async () => {
  const { state, pool } = fakePool();
  state.completed = 40;
  state.tasks = { fetch: { count: 40, waitMs: 1, computeMs: 0.01 } };
  // An interval no test outlives: only an early look can tick.
  const tuner = new Autotuner(pool, 2, { monitorIntervalMs: 600_000 }, { sample: () => 0.1 });
  try {
    tuner.wake();
    await until(() => state.applied.length >= 1, "an early look", 5_000);
    assert.equal(state.applied[0].lanes.fetch, "async");
    assert.match(tuner.decisions[0]?.reason ?? "", /"fetch" worker→async/);
  } finally {
    tuner.stop();
  }
  // stop() also drops the next early look: nothing ticks after it.
  const ticks = state.applied.length;
  await timersDueWithin(100);
  assert.equal(state.applied.length, ticks);
});
