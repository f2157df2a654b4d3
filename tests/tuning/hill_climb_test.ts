import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type ClimbOptions,
  INITIAL_CLIMB,
  isSignificantGain,
  meanRunMs,
  measureProbe,
  ratePerSec,
  startProbe,
} from "../../src/tuning/hill_climb.ts";

const judge: ClimbOptions = { noiseMargin: 0.05, backoffMs: 1000, maxBackoffMs: 4000 };
const probing = startProbe(INITIAL_CLIMB, { from: 2, to: 3, baselineRate: 40, now: 0 });

test("ratePerSec is completions per second and zero for an empty window", () => {
  assert.deepEqual([ratePerSec(50, 250), ratePerSec(5, 0)], [200, 0]);
});

test("isSignificantGain needs both the noise margin and two Poisson deviations", () => {
  const table: [number, number, number, boolean][] = [
    [40, 11, 250, false], // 11 vs 10 expected
    [40, 20, 250, true], // doubled
    [100, 12800, 250, true],
    [0, 2, 250, false], // two completions from nothing prove little
    [0, 3, 250, true],
    [10_000, 2600, 250, false], // +4% < 5% margin
  ];
  for (const [baseline, completed, ms, expected] of table) {
    assert.equal(
      isSignificantGain(baseline, completed, ms, 0.05),
      expected,
      `${baseline} ${completed}`,
    );
  }
});

test("startProbe records the move and its baseline with nothing measured yet", () => {
  assert.deepEqual(probing.probe, {
    from: 2,
    to: 3,
    baselineRate: 40,
    startedAt: 0,
    completed: 0,
    ms: 0,
    intervals: 0,
  });
});

test("measureProbe keeps a move that raised throughput and clears the back-off", () => {
  const failed = { ...probing, failures: 3, nextProbeAt: 9 };
  const r = measureProbe(failed, { now: 250, applied: true, completed: 20, ms: 250 }, judge);
  assert.equal(r.verdict, "keep");
  assert.deepEqual(r.climb, { failures: 0, nextProbeAt: 250 });
  assert.equal(r.reason, "throughput 80/s vs 40/s");
});

test("measureProbe reverts a move without gain and doubles the back-off up to its cap", () => {
  const waits: number[] = [];
  let climb = probing;
  for (let i = 0; i < 4; i++) {
    const r = measureProbe(climb, { now: 1000, applied: true, completed: 9, ms: 250 }, judge);
    assert.equal(r.verdict, "revert");
    waits.push(r.climb.nextProbeAt - 1000);
    climb = { ...r.climb, probe: probing.probe };
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 4000]);
  const r = measureProbe(probing, { now: 1, applied: true, completed: 9, ms: 250 }, judge);
  assert.equal(r.reason, "throughput 36/s vs 40/s (-10%, no gain beyond noise)");
  const none = startProbe(INITIAL_CLIMB, { from: 1, to: 2, baselineRate: 0, now: 0 });
  const last = { ...none, probe: { ...none.probe!, intervals: 3 } }; // the fourth interval decides
  const zero = measureProbe(last, { now: 1, applied: true, completed: 1, ms: 250 }, judge);
  assert.equal(zero.reason, "throughput 4.0/s vs 0.0/s (+0%, no gain beyond noise)");
});

test("measureProbe gathers more evidence for a small gain, then decides", () => {
  let climb = probing;
  const verdicts: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = measureProbe(climb, { now: i, applied: true, completed: 11, ms: 250 }, judge);
    verdicts.push(r.verdict);
    climb = r.climb;
  }
  assert.deepEqual(verdicts, ["measuring", "measuring", "measuring", "revert"]);
});

test("measureProbe waits for the move to be applied and reverts one that never is", () => {
  let climb = probing;
  const verdicts: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = measureProbe(climb, { now: i, applied: false, completed: 99, ms: 250 }, judge);
    verdicts.push(r.verdict);
    climb = r.climb;
    if (i === 3) assert.equal(r.reason, "not applied after 4 intervals");
  }
  assert.deepEqual(verdicts, ["measuring", "measuring", "measuring", "revert"]);
  assert.equal(climb.probe, undefined);
});

test("measureProbe refuses to run without a probe under test", () => {
  assert.throws(
    () => measureProbe(INITIAL_CLIMB, { now: 0, applied: true, completed: 1, ms: 1 }, judge),
    { name: "RangeError", message: /none is under test/ },
  );
});

test("meanRunMs is the tasks' run time (wait + compute) weighted by their counts", () => {
  const tasks = {
    hash: { count: 3, waitMs: 90, computeMs: 10 },
    fib: { count: 1, waitMs: 0, computeMs: 500 },
    unseen: { count: 0, waitMs: 9999, computeMs: 0 },
  };
  assert.deepEqual([meanRunMs(tasks), meanRunMs({})], [200, 0]);
});

test("measureProbe extends a window in which the tasks could not have finished instead of judging it", () => {
  // [completed, window ms, mean run time ms, verdict]: a window must hold a completion and span
  // twice the run time before its throughput says anything about the move.
  const table: [number, number, number, string][] = [
    [0, 250, 1000, "measuring"], // the case: read as 0.0/s and reverted
    [0, 60_000, 1000, "measuring"], // no completion, however long: no evidence either way
    [3, 250, 1000, "measuring"], // shorter than 2 × run time
    [3, 1999, 1000, "measuring"],
    [3, 2000, 1000, "revert"], // 1.5/s vs 40/s with enough time to show it
    [60, 1000, 20, "keep"],
    [9, 250, 0, "revert"], // run time unknown: judged as before
  ];
  for (const [completed, ms, runMs, verdict] of table) {
    // Even a probe past maxIntervals is extended: the window, not the count, decides.
    const late = { ...probing, probe: { ...probing.probe!, intervals: 9 } };
    const r = measureProbe(late, { now: ms, applied: true, completed, ms, runMs }, judge);
    assert.equal(r.verdict, verdict, `${completed} in ${ms} ms, run ${runMs} ms: ${r.reason}`);
    if (verdict === "measuring") {
      assert.equal(r.climb.probe?.ms, ms);
      assert.match(r.reason, /^window of \d+ ms with \d+ done: too short for tasks of \d+ ms$/);
    }
  }
});
