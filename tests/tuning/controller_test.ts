import { test } from "node:test";
import assert from "node:assert/strict";
import { decide, type PoolSample } from "../../src/tuning/controller.ts";
import { resolveControllerOptions } from "../../src/tuning/controller_options.ts";
import { createControllerState } from "../../src/tuning/controller_state.ts";
import { bestFixedRate, runPlant } from "../fixtures/controller/plant.ts";

const tasks = { fib: { computeMs: 50, waitMs: 0 }, sleep: { computeMs: 0.02, waitMs: 20 } };
const sample: PoolSample = {
  now: 0,
  workers: 2,
  busyWorkers: 2,
  concurrency: 1,
  inFlight: 2,
  queueDepth: 0,
  completed: 0,
  busyMs: 0,
  cpuUtilization: 0.5,
  cores: 2,
  tasks: {},
};

test("a CPU-bound batch on 2 cores settles at exactly 2 workers and never probes when CPU is known", () => {
  const run = runPlant({ cores: 2, tasks, taskAt: () => "fib", intervals: 400 });
  assert.deepEqual(run.steps.slice(1).map((s) => s.workers), Array(400).fill(2));
  const kinds = run.steps.flatMap((s) => s.decisions.map((d) => d.kind));
  assert.deepEqual(kinds, ["scale-up"]);
});

test("a CPU-bound batch with unknown CPU explores past the cores only rarely, and reverts", () => {
  const run = runPlant({ cores: 2, tasks, taskAt: () => "fib", intervals: 400, cpuKnown: false });
  const probes = run.steps.filter((s) => s.decisions.some((d) => d.kind === "probe")).map((s) =>
    s.tick
  );
  assert.deepEqual(probes, [81, 161, 321]);
  const off = run.steps.slice(1).filter((s) => s.workers !== 2).map((s) => s.tick);
  assert.deepEqual(off, [82, 162, 322]);
});

test("an I/O-bound batch reaches the best fixed shape's throughput within 5 intervals", () => {
  const best = bestFixedRate(tasks.sleep, 2);
  const run = runPlant({ cores: 2, tasks, taskAt: () => "sleep", intervals: 40 });
  const first = run.steps.findIndex((s) => s.rate >= 0.95 * best);
  // Routed at the first sample, Little's law probed as soon as the load reads as waiting.
  assert.equal(first, 2);
  assert.ok(run.steps.slice(first).every((s) => s.rate >= 0.95 * best));
  assert.equal(run.steps[2].concurrency, 512);
  assert.deepEqual(run.steps.at(-1)?.lanes, { sleep: "async" });
});

test("an I/O-bound batch on a saturated machine climbs concurrency, not workers", () => {
  // The plant's CPU reading is low for timers, so pretend the machine is busy elsewhere.
  const run = runPlant({
    cores: 2,
    tasks,
    taskAt: () => "sleep",
    intervals: 20,
    options: { cpuThreshold: 0.3 },
  });
  assert.deepEqual([run.steps.at(-1)?.workers, run.steps.at(-1)?.concurrency], [2, 512]);
});

test("a load alternating between CPU and I/O re-tunes within 5 intervals of each switch", () => {
  const phase = 20;
  const taskAt = (t: number) => (Math.floor(t / phase) % 2 ? "sleep" : "fib");
  const run = runPlant({ cores: 2, tasks, taskAt, intervals: 160 });
  for (let start = phase; start < 160; start += phase) {
    const name = taskAt(start);
    const best = bestFixedRate(tasks[name], 2);
    const settled = run.steps.slice(start + 5, start + phase);
    assert.ok(settled.every((s) => s.rate >= 0.95 * best), `phase ${name} at ${start}`);
    if (name === "fib") assert.ok(settled.every((s) => s.workers === 2), `fib at ${start}`);
  }
});

test("decide holds a steady worker-lane load without recording anything", () => {
  let state = createControllerState();
  for (let i = 0; i < 20; i++) {
    const r = decide(state, { ...sample, now: i * 250, busyWorkers: 1, completed: i * 10 });
    assert.deepEqual(r.target, { workers: 2, concurrency: 1 });
    assert.deepEqual(r.decisions, []);
    state = r.state;
  }
  assert.equal(state.history.length, 0);
});

test("decide brings a pool outside the bounds back inside on the first sample", () => {
  const r = decide(createControllerState(), { ...sample, workers: 9, concurrency: 0 });
  assert.deepEqual(r.target, { workers: 4, concurrency: 1 });
  assert.deepEqual(r.decisions.map((d) => d.reason), [
    "scale down workers 9→4: above maximum 4",
    "scale up concurrency 0→1: below minimum 1",
  ]);
});

test("decide accepts options resolved once up front, and validates the sample", () => {
  const o = resolveControllerOptions(2, { minWorkers: 2 });
  const r = decide(createControllerState(), { ...sample, workers: 1 }, o);
  assert.equal(r.target.workers, 2);
  assert.throws(
    () => decide(createControllerState(), { ...sample, queueDepth: -1 }),
    /'sample.queueDepth'/,
  );
  assert.throws(() => decide(createControllerState(), sample, { hardLimit: 0 }), /'hardLimit'/);
});

test("decide keeps the last load while long tasks finish nothing in an interval", () => {
  const fib = { count: 10, waitMs: 0, computeMs: 2000 };
  let r = decide(createControllerState(), { ...sample, tasks: { fib } });
  assert.equal(r.state.load.kind, "cpu");
  r = decide(r.state, { ...sample, now: 250, tasks: { fib } });
  assert.equal(r.state.load.kind, "cpu");
  r = decide(r.state, { ...sample, now: 500, inFlight: 0, busyWorkers: 0, tasks: { fib } });
  assert.equal(r.state.load.kind, "idle");
});

test("decide reverts a probe when the load changes, and leaves the limit when it goes away", () => {
  const run = runPlant({ cores: 2, tasks, taskAt: () => "sleep", intervals: 1 });
  assert.ok(run.state.concurrencyClimb.probe, "a concurrency probe is under test");
  const counts = run.state.last!.counts;
  const base = {
    ...sample,
    now: 1000,
    completed: run.state.last!.completed,
    concurrency: 512,
    queueDepth: 500,
    inFlight: 1024,
  };
  const changed = decide(run.state, {
    ...base,
    tasks: { sleep: { ...tasks.sleep, count: counts.sleep }, fib: { ...tasks.fib, count: 30 } },
  });
  assert.match(
    changed.decisions[0].reason,
    /^revert concurrency 512→1: load changed to cpu during the probe$/,
  );
  assert.equal(changed.target.concurrency, 1);
  const gone = decide(run.state, {
    ...base,
    queueDepth: 0,
    busyWorkers: 0,
    tasks: { sleep: { ...tasks.sleep, count: counts.sleep + 5 } },
  });
  assert.equal(
    gone.decisions[0].reason,
    "end concurrency probe 1→512 unjudged: the load went away; the limit stays",
  );
  assert.equal(gone.target.concurrency, 512);
  const sameTick = decide(run.state, {
    ...base,
    now: run.state.last!.now,
    tasks: { sleep: { ...tasks.sleep, count: counts.sleep } },
  });
  assert.deepEqual([sameTick.decisions, sameTick.target.concurrency], [[], 512]);
});

test("decide keeps a worker probe that proved itself on a CPU-bound load with headroom", () => {
  // Compute that blocks (W/C ≈ 0 but the CPU idles): a third worker raises throughput.
  const fib = (count: number) => ({ fib: { count, waitMs: 0, computeMs: 50 } });
  const at = (i: number, workers: number, completed: number, cpu: number) => ({
    ...sample,
    now: i * 250,
    workers,
    busyWorkers: workers,
    inFlight: workers,
    queueDepth: 100,
    completed,
    cpuUtilization: cpu,
    tasks: fib(completed),
  });
  let r = decide(createControllerState(), at(0, 2, 0, 0.5));
  r = decide(r.state, at(1, 2, 10, 0.5));
  r = decide(r.state, at(2, 2, 20, 0.5));
  r = decide(r.state, at(3, 2, 30, 0.5));
  assert.equal(r.decisions[0]?.reason, "probe workers 2→3: queue 100, busy 100%, cpu 50%");
  r = decide(r.state, at(4, 3, 60, 0.6));
  assert.equal(r.decisions[0]?.reason, "keep workers 2→3: throughput 120/s vs 40/s");
  assert.equal(r.state.provenWorkers, 3);
  r = decide(r.state, at(5, 3, 90, 0.9));
  assert.equal(r.target.workers, 3, "a proven count survives a busy CPU");
});

test("decide records a bounded ring of decisions", () => {
  let state = createControllerState();
  for (let i = 0; i < 8; i++) {
    const workers = i % 2 ? 9 : 0;
    state = { ...state, target: { workers, concurrency: 1 } };
    state = decide(state, { ...sample, now: i }, { historySize: 5, minWorkers: 1 }).state;
  }
  assert.equal(state.history.length, 5);
  assert.equal(state.history.at(-1)?.at, 7);
});

test("decide sizes a worker-lane load that also waits at cores × (1 + W/C), within the soft limit", () => {
  const options = { softLimit: 16, maxWorkers: 16 };
  const parse = { count: 50, waitMs: 5, computeMs: 10 }; // W/C 0.5: stays on the worker lane
  const shape = {
    ...sample,
    cores: 8,
    workers: 8,
    busyWorkers: 8,
    inFlight: 8,
    queueDepth: 500,
    cpuUtilization: 0.6,
  };
  let r = decide(createControllerState(), { ...shape, tasks: { parse } }, options);
  assert.equal(r.target.workers, 12);
  assert.match(r.decisions[0].reason, /^scale up 8→12: queue 500 > 1.5×8/);
  r = decide(r.state, {
    ...shape,
    now: 1000,
    workers: 12,
    busyWorkers: 12,
    queueDepth: 400,
    tasks: { parse: { ...parse, count: 90 } },
  }, options);
  assert.equal(r.target.workers, 12);
  assert.deepEqual(r.lanes, { parse: "worker" });
});
