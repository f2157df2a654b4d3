import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricsSnapshot, StageSummary } from "../../src/metrics/metrics_snapshot.ts";
import type { RunRecord } from "../../src/report/run_export.ts";
import { analyzeTrend } from "../../src/report/trend.ts";

function run(
  at: number,
  throughput: number,
  elapsedMs = 10_000,
  stages: [string, number][] = [],
): RunRecord {
  const stageList: StageSummary[] = stages.map(([stage, durationMs]) => ({
    stage,
    tasks: 1,
    ok: 1,
    failed: 0,
    firstStartAt: 0,
    lastFinishAt: durationMs,
    durationMs,
    maxTaskMs: durationMs,
    meanTaskMs: durationMs,
  }));
  const snapshot = {
    elapsedMs,
    throughput: { windowMs: 10_000, recent: throughput, overall: throughput, arrivals: 0 },
    stages: stageList,
  } as unknown as MetricsSnapshot;
  return { version: 1, label: `run ${at}`, at, snapshot };
}

test("a drop of the latest throughput below 80 % of the previous average is flagged", () => {
  const table: [number, boolean][] = [[7.9, true], [7.99, true], [8, false], [8.5, false], [
    12,
    false,
  ]];
  for (const [latest, flagged] of table) {
    const r = analyzeTrend([run(1, 10), run(2, 9), run(3, 11), run(4, latest)]);
    assert.equal(r.averageThroughput, 10);
    assert.equal(r.throughputDrop, flagged, `latest ${latest}`);
    assert.equal(r.findings.some((f) => f.rule === "throughput-drop"), flagged);
    assert.ok(Math.abs(r.throughputRatio! - latest / 10) < 1e-12);
  }
});

test("the latest run is the one with the latest time, whatever the input order", () => {
  const r = analyzeTrend([run(3, 5), run(1, 10), run(2, 10)]);
  assert.equal(r.latest?.label, "run 3");
  assert.equal(r.throughputDrop, true);
  assert.equal(
    r.findings[0].message,
    "Run 'run 3' finished 5.00 tasks/s, 50.0 % of the average of the 2 runs before (10.00 tasks/s)",
  );
});

test("a run 1.3x slower than the previous average is a duration regression, 1.2x is not", () => {
  const slow = analyzeTrend([run(1, 10, 10_000), run(2, 10, 13_000)]);
  assert.equal(slow.durationRegression, true);
  assert.equal(slow.durationRatio, 1.3);
  assert.deepEqual(slow.findings.map((f) => f.rule), ["duration-regression"]);
  assert.equal(analyzeTrend([run(1, 10, 10_000), run(2, 10, 12_000)]).durationRegression, false);
});

test("stages slower than their previous average are listed, new stages are not", () => {
  const r = analyzeTrend([
    run(1, 10, 10_000, [["build", 1000], ["test", 2000]]),
    run(2, 10, 10_000, [["build", 1200], ["test", 2000]]),
    run(3, 10, 10_000, [["build", 2200], ["test", 2100], ["deploy", 9000]]),
  ]);
  assert.deepEqual(r.stageRegressions, [{
    stage: "build",
    latestMs: 2200,
    averageMs: 1100,
    ratio: 2,
  }]);
  assert.deepEqual(r.findings.map((f) => f.rule), ["stage-regression"]);
});

test("nothing is flagged without enough previous runs", () => {
  assert.equal(analyzeTrend([]).latest, null);
  const one = analyzeTrend([run(1, 10)]);
  assert.equal(one.runs, 1);
  assert.equal(one.averageThroughput, null);
  assert.equal(one.throughputDrop, false);
  assert.equal(analyzeTrend([run(1, 10), run(2, 1)], { minPrevious: 2 }).throughputDrop, false);
});

test("thresholds are options and are validated", () => {
  assert.equal(analyzeTrend([run(1, 10), run(2, 8.5)], { dropRatio: 0.9 }).throughputDrop, true);
  assert.throws(
    () => analyzeTrend([], { dropRatio: 1.5 }),
    /'dropRatio' must be a number from 0 to 1/,
  );
  assert.throws(() => analyzeTrend([], { slowdownRatio: 0.5 }), /'slowdownRatio'/);
});
