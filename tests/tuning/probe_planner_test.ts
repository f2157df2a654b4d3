import { test } from "node:test";
import assert from "node:assert/strict";
import type { PoolSample } from "../../src/tuning/controller.ts";
import { resolveControllerOptions } from "../../src/tuning/controller_options.ts";
import { INITIAL_CLIMB } from "../../src/tuning/hill_climb.ts";
import { type ProbeContext, proposeProbe } from "../../src/tuning/probe_planner.ts";

const o = resolveControllerOptions(2);
const sample: PoolSample = {
  now: 500,
  workers: 2,
  busyWorkers: 2,
  concurrency: 1,
  inFlight: 2,
  queueDepth: 900,
  completed: 50,
  busyMs: 1,
  cpuUtilization: 0.5,
  cores: 2,
  tasks: {},
};
const io: ProbeContext = {
  sample,
  load: { kind: "io", wc: 1000 },
  workers: 2,
  concurrency: 1,
  steady: { completed: 25, ms: 250 },
  workerClimb: INITIAL_CLIMB,
  concurrencyClimb: INITIAL_CLIMB,
  loadSince: 0,
  cpuBound: false,
  cores: 2,
};
const cpu: ProbeContext = { ...io, load: { kind: "cpu", wc: 0 }, cpuBound: true };

test("proposeProbe jumps concurrency to the Little's-law estimate, capped", () => {
  const plan = proposeProbe(io, o)!;
  assert.deepEqual([plan.concurrency, plan.workers], [512, 2]);
  assert.equal(
    plan.decision.reason,
    "probe concurrency 1→512: Little's law 2 cores × (1 + W/C 1000) = 2002 in flight over 2 workers, capped at maxConcurrency 512",
  );
  assert.deepEqual(plan.concurrencyClimb.probe?.baselineRate, 100);
  assert.equal(proposeProbe({ ...io, workers: 0, load: { kind: "io", wc: 3 } }, o)?.concurrency, 8);
});

test("proposeProbe doubles concurrency after a failed probe or near the estimate", () => {
  const failed = { ...io, concurrencyClimb: { failures: 1, nextProbeAt: 0 } };
  assert.equal(
    proposeProbe(failed, o)?.decision.reason,
    "probe concurrency 1→2: doubling, queue 900",
  );
  assert.equal(
    proposeProbe({ ...io, concurrency: 256, load: { kind: "io", wc: 300 } }, o)?.concurrency,
    512,
  );
});

test("proposeProbe tries one more worker once concurrency is capped or backing off", () => {
  const capped = proposeProbe({ ...io, concurrency: 512 }, o)!;
  assert.deepEqual([capped.workers, capped.decision.reason], [
    3,
    "probe workers 2→3: queue 900, busy 100%, cpu 50%",
  ]);
  const backingOff = proposeProbe(
    { ...io, concurrencyClimb: { failures: 1, nextProbeAt: 9e9 } },
    o,
  )!;
  assert.equal(backingOff.workers, 3);
  assert.equal(proposeProbe({ ...cpu, sample: { ...sample, workers: 0 } }, o)?.workers, 3);
});

test("proposeProbe proposes nothing without demand, baseline, room, busy workers or CPU", () => {
  const table: [string, ProbeContext][] = [
    ["empty queue", { ...cpu, sample: { ...sample, queueDepth: 0 } }],
    ["no baseline", { ...cpu, steady: { completed: 0, ms: 100 } }],
    ["hard limit", { ...cpu, workers: 4 }],
    ["idle workers", { ...cpu, sample: { ...sample, busyWorkers: 1 } }],
    ["backing off", { ...cpu, workerClimb: { failures: 1, nextProbeAt: 501 } }],
    ["busy CPU", { ...cpu, sample: { ...sample, cpuUtilization: 0.95 } }],
    ["too early to explore", { ...cpu, sample: { ...sample, cpuUtilization: undefined } }],
  ];
  for (const [why, context] of table) assert.equal(proposeProbe(context, o), undefined, why);
});

test("proposeProbe explores past the cores of a CPU-bound load with unknown CPU rarely, backing off", () => {
  const unknown = { ...sample, cpuUtilization: undefined };
  const at = (now: number, failures: number) =>
    proposeProbe(
      { ...cpu, sample: { ...unknown, now }, workerClimb: { failures, nextProbeAt: 0 } },
      o,
    );
  assert.equal(
    at(20_000, 0)?.decision.reason,
    "probe workers 2→3: CPU-bound load with cpu unknown: exploring past 2 workers",
  );
  assert.equal(at(39_999, 1), undefined);
  assert.equal(at(40_000, 1)?.workers, 3);
  assert.equal(at(319_999, 9), undefined, "back-off stops doubling after 4 failures");
  assert.equal(at(320_000, 9)?.workers, 3);
  assert.equal(
    proposeProbe({ ...io, concurrency: 512, sample: unknown }, o)?.decision.reason,
    "probe workers 2→3: queue 900, busy 100%, cpu unknown",
  );
});

test("proposeProbe takes the baseline from Little's law when the steady window is too short for the tasks to finish", () => {
  // 300 ms tasks, two in flight: 6.7/s. Two completions in 250 ms would read 8/s; none, 0/s.
  const long = { ...sample, tasks: { hash: { count: 9, waitMs: 298, computeMs: 2 } } };
  const table: [{ completed: number; ms: number }, number][] = [
    [{ completed: 2, ms: 250 }, 2000 / 300],
    [{ completed: 0, ms: 5000 }, 2000 / 300],
    [{ completed: 20, ms: 600 }, 20_000 / 600], // spans 2 × run time: measured
  ];
  for (const [steady, rate] of table) {
    const plan = proposeProbe({ ...io, sample: long, steady }, o);
    assert.equal(plan?.concurrencyClimb.probe?.baselineRate, rate, JSON.stringify(steady));
  }
});

test("proposeProbe lets waiting work jump on a short window that spans twice the run time, nothing else", () => {
  // 1 ms timer tasks: 80 ms of completions is evidence enough for the jump (an early look).
  const timers = { ...sample, tasks: { timer: { count: 120, waitMs: 1, computeMs: 0.01 } } };
  const early = proposeProbe({ ...io, sample: timers, steady: { completed: 100, ms: 80 } }, o);
  assert.match(early?.decision.reason ?? "", /Little's law/);
  assert.equal(early?.concurrencyClimb.probe?.baselineRate, 1250);
  const table: [string, ProbeContext][] = [
    ["no completion", { ...io, sample: timers, steady: { completed: 0, ms: 80 } }],
    ["shorter than two runs", {
      ...io,
      sample: { ...sample, tasks: { slow: { count: 9, waitMs: 60, computeMs: 1 } } },
      steady: { completed: 3, ms: 80 },
    }],
    ["no run time yet", { ...io, steady: { completed: 100, ms: 80 } }],
    // Concurrency at its cap: one more worker needs the full baseline.
    ["worker probe", {
      ...io,
      sample: timers,
      concurrency: 512,
      steady: { completed: 100, ms: 80 },
    }],
    ["computing work", { ...cpu, sample: timers, steady: { completed: 100, ms: 80 } }],
  ];
  for (const [why, context] of table) assert.equal(proposeProbe(context, o), undefined, why);
});
