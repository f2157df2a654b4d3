import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricsRecorder } from "../../src/metrics/metrics_recorder.ts";
import type { MetricsSnapshot } from "../../src/metrics/metrics_snapshot.ts";
import { formatReport } from "../../src/report/report.ts";

/** 40 tasks over 4 s on 4 slots: a "load" stage then a "transform" stage, one failure. */
function scenario(): MetricsSnapshot {
  const rec = new MetricsRecorder(0);
  for (let i = 0; i < 40; i++) {
    const name = i % 2 ? "parse" : "fetch";
    rec.taskQueued(name, i * 100);
    rec.taskFinished({
      name,
      stage: i < 20 ? "load" : "transform",
      waitMs: 5,
      runMs: 180,
      busyMs: i % 2 ? 170 : 20,
      ok: i !== 7,
      now: i * 100 + 200,
      workerId: i % 4,
      lane: i % 2 ? "worker" : "async",
    });
  }
  return rec.snapshot(4000, {
    workers: 4,
    busyWorkers: 2,
    idleWorkers: 2,
    queueDepth: 1,
    inFlight: 2,
    capacity: 4,
    cpu: 0.55,
  }, [{ at: 1500, kind: "scale-up", reason: "queue depth 9 > 2 x 4", from: 2, to: 4 }]);
}

const report = formatReport(scenario(), {
  title: "nightly",
  config: { runtime: "deno 2.9.6", maxWorkers: 4 },
  targets: [
    { stage: "load", maxDurationMs: 2500 },
    { stage: "transform", maxDurationMs: 1500, critical: true },
    { stage: "deploy", maxDurationMs: 10 },
  ],
});
const lines = report.split("\n");

test("the report contains the key lines, in order", () => {
  const want: RegExp[] = [
    /^workloom report: nightly$/,
    /^Configuration$/,
    /^ {2}runtime +deno 2\.9\.6$/,
    /^ {2}maxWorkers +4$/,
    /^ {2}workers +4 \(2 busy, 2 idle\)$/,
    /^ {2}queue +1 waiting, 2 in flight$/,
    /^ {2}machine CPU +55\.0 %$/,
    /^ {2}tasks +40 finished: 39 ok, 1 failed \(40 queued\)$/,
    /^ {2}success rate +97\.5 %$/,
    /^ {2}throughput +10\.00 tasks\/s overall, 10\.00 tasks\/s over the last 10\.00 s$/,
    /^ {2}occupancy +45\.0 % \(task slots held\)$/,
    /^ {2}utilisation +23\.8 % \(workers busy computing\)$/,
    /^ {2}fetch +async +20 +0 +180\.0 ms .* 8\.00$/,
    /^ {2}parse +worker +20 +1 +180\.0 ms .* 0\.06$/,
    /^ {2}load +20 +1 +\+20\.0 ms +2\.08 s +180\.0 ms +\|#{13}\.{11}\|$/,
    /^ {2}transform +20 +0 +\+2\.02 s +2\.08 s +180\.0 ms +\|\.{11}#{13}\|$/,
    /^ {2}\[info\] under-utilisation: Workers were busy computing 23\.8 %/,
    /^ {2}- Reduce the pool from 4 to about 2 task slots/,
    /^ {2}NOT MET \(blocking\): 1 violation, 1 warning$/,
    /^ {2}\[violation\] Stage 'transform' took 2\.08 s, over its SLA of 1\.50 s \(138\.7 %\) \[critical\]$/,
    /^ {2}\[warning\] Stage 'load' took 2\.08 s, 83\.2 % of its SLA/,
    /^ {2}\[not run\] Stage 'deploy' has no finished task$/,
    /^ {2}\+1\.50 s scale-up 2 -> 4: queue depth 9 > 2 x 4$/,
  ];
  let from = 0;
  for (const re of want) {
    const i = lines.findIndex((l, n) => n >= from && re.test(l));
    assert.ok(i >= 0, `missing or out of order: ${re}\n${report}`);
    from = i + 1;
  }
});

test("the report is plain ASCII with no colour codes and at most 100 columns", () => {
  assert.match(report, /^[\x20-\x7e\n]*$/);
  for (const l of lines) assert.ok(l.length <= 100, `too wide: ${l}`);
});

test("a report without findings, targets, stages or decisions says so briefly", () => {
  const rec = new MetricsRecorder(0);
  rec.taskFinished({ name: "t", waitMs: 0, runMs: 900, busyMs: 900, ok: true, now: 1000 });
  const text = formatReport(
    rec.snapshot(1000, {
      workers: 1,
      busyWorkers: 0,
      idleWorkers: 1,
      queueDepth: 0,
      inFlight: 0,
      capacity: 1,
    }),
  );
  assert.match(text, /^workloom report: run\n/);
  assert.match(
    text,
    /\nBottlenecks\n {2}none found\nRecommendations\n {2}none\nSLA\n {2}no targets set\n$/,
  );
  assert.match(text, /machine CPU +-\n/);
  for (const absent of ["Configuration", "Stages", "Decisions"]) {
    assert.ok(!text.includes(absent), absent);
  }
});

test("findings can be supplied instead of computed", () => {
  const text = formatReport(scenario(), {
    findings: [{ rule: "custom", severity: "critical", message: "m", recommendation: "do r" }],
  });
  assert.match(text, /\n {2}\[critical\] custom: m\nRecommendations\n {2}- do r\n/);
  assert.ok(!text.includes("under-utilisation"));
});

test("a bad timeline width is refused", () => {
  assert.throws(
    () => formatReport(scenario(), { timelineWidth: 2 }),
    /'timelineWidth' must be an integer from 4 to 200/,
  );
});
