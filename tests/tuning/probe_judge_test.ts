import { test } from "node:test";
import assert from "node:assert/strict";
import type { PoolSample } from "../../src/tuning/controller.ts";
import { resolveControllerOptions } from "../../src/tuning/controller_options.ts";
import { INITIAL_CLIMB, startProbe } from "../../src/tuning/hill_climb.ts";
import { type JudgeContext, judgeProbe } from "../../src/tuning/probe_judge.ts";

const o = resolveControllerOptions(2);
const climb = startProbe(INITIAL_CLIMB, { from: 2, to: 3, baselineRate: 40, now: 0 });
const sample: PoolSample = {
  now: 250,
  workers: 3,
  busyWorkers: 3,
  concurrency: 1,
  inFlight: 3,
  queueDepth: 50,
  completed: 10,
  busyMs: 0,
  cores: 2,
  tasks: {},
};
const context: JudgeContext = {
  knob: "workers",
  sample,
  interval: { completed: 10, ms: 250 },
  loadChanged: false,
  loadKind: "cpu",
};

test("judgeProbe reverts a probe without gain and backs off", () => {
  const j = judgeProbe(climb, context, o);
  assert.equal(j.restore, 2);
  assert.equal(
    j.decision?.reason,
    "revert workers 3→2: throughput 40/s vs 40/s (+0%, no gain beyond noise)",
  );
  assert.deepEqual(j.climb, { failures: 1, nextProbeAt: 250 + 1000 });
});

test("judgeProbe keeps a probe that raised throughput and hands back its evidence", () => {
  const j = judgeProbe(climb, { ...context, interval: { completed: 30, ms: 250 } }, o);
  assert.deepEqual([j.decision?.kind, j.decision?.reason, j.restore], [
    "hold",
    "keep workers 2→3: throughput 120/s vs 40/s",
    undefined,
  ]);
  assert.deepEqual(j.evidence, { completed: 30, ms: 250 });
});

test("judgeProbe keeps measuring until the move is applied or the evidence is clear", () => {
  const unapplied = judgeProbe(climb, { ...context, sample: { ...sample, workers: 2 } }, o);
  assert.deepEqual([unapplied.decision, unapplied.climb.probe?.intervals], [undefined, 1]);
  const noInterval = judgeProbe(climb, { ...context, interval: undefined }, o);
  assert.deepEqual(noInterval, { climb });
  const concurrency = startProbe(INITIAL_CLIMB, { from: 1, to: 2, baselineRate: 40, now: 0 });
  const pending = judgeProbe(concurrency, {
    ...context,
    knob: "concurrency",
    interval: { completed: 11, ms: 250 },
    sample: { ...sample, concurrency: 2 },
  }, o);
  assert.equal(pending.climb.probe?.completed, 11);
});

test("judgeProbe abandons without penalty when the load changes or goes away", () => {
  const failed = { ...climb, failures: 2, nextProbeAt: 77 };
  const changed = judgeProbe(failed, { ...context, loadChanged: true, loadKind: "io" }, o);
  assert.equal(changed.decision?.reason, "revert workers 3→2: load changed to io during the probe");
  assert.deepEqual(changed.climb, { failures: 2, nextProbeAt: 77 });
  const gone = judgeProbe(failed, {
    ...context,
    sample: { ...sample, queueDepth: 0, busyWorkers: 0 },
  }, o);
  assert.equal(gone.decision?.reason, "revert workers 3→2: the load went away during the probe");
  const noWorkers = judgeProbe(failed, {
    ...context,
    sample: { ...sample, queueDepth: 0, workers: 0 },
  }, o);
  assert.equal(noWorkers.restore, 2);
});

// The case: 300 ms hash chains routed async, a probe 1→147 just applied.
const chains = { hash: { count: 9, waitMs: 298, computeMs: 2 } };
const raised = startProbe(INITIAL_CLIMB, { from: 1, to: 147, baselineRate: 8.8, now: 0 });
const batch: JudgeContext = {
  knob: "concurrency",
  sample: {
    ...sample,
    workers: 2,
    busyWorkers: 2,
    concurrency: 147,
    inFlight: 10,
    queueDepth: 2,
    tasks: chains,
  },
  interval: { completed: 0, ms: 50 },
  loadChanged: false,
  loadKind: "io",
};

test("judgeProbe extends a probe while its window could not have seen the tasks finish", () => {
  let c = raised;
  for (let i = 1; i <= 12; i++) {
    const j = judgeProbe(c, { ...batch, sample: { ...batch.sample, now: 50 * i } }, o);
    assert.deepEqual([j.decision, j.restore], [undefined, undefined], `interval ${i}`);
    c = j.climb;
  }
  assert.deepEqual([c.probe?.intervals, c.probe?.ms, c.failures], [12, 600, 0]);
});

test("judgeProbe does not revert a concurrency probe while the queue is empty: the limit was not what held throughput", () => {
  const long = { ...raised, probe: { ...raised.probe!, ms: 2000, completed: 0, intervals: 8 } };
  const drained = { ...batch.sample, queueDepth: 0, inFlight: 6 };
  const j = judgeProbe(long, { ...batch, sample: drained, interval: { completed: 4, ms: 50 } }, o);
  assert.deepEqual([j.decision, j.restore, j.climb.probe?.completed], [undefined, undefined, 4]);
  const queued = judgeProbe(long, { ...batch, interval: { completed: 4, ms: 50 } }, o);
  assert.equal(queued.decision?.kind, "revert", "with a queue, no gain is evidence");
});

test("judgeProbe ends a concurrency probe unjudged when the load goes away, leaving the limit", () => {
  const failed = { ...raised, failures: 2, nextProbeAt: 77 };
  const idle = { ...batch.sample, queueDepth: 0, busyWorkers: 0, inFlight: 0 };
  const j = judgeProbe(failed, { ...batch, sample: idle }, o);
  assert.deepEqual(j, {
    climb: { failures: 2, nextProbeAt: 77 },
    decision: {
      at: 250,
      kind: "hold",
      from: 1,
      to: 147,
      reason: "end concurrency probe 1→147 unjudged: the load went away; the limit stays",
    },
  });
});
