import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSla, type SlaTarget } from "../../src/report/sla.ts";
import type { StageSummary } from "../../src/metrics/metrics_snapshot.ts";

function stage(name: string, durationMs: number, maxTaskMs = durationMs / 2): StageSummary {
  return {
    stage: name,
    tasks: 4,
    ok: 4,
    failed: 0,
    firstStartAt: 0,
    lastFinishAt: durationMs,
    durationMs,
    maxTaskMs,
    meanTaskMs: maxTaskMs / 2,
  };
}

test("a stage is fine below 80 %, a warning from 80 % to the limit, a violation past it", () => {
  const table: { durationMs: number; target: Partial<SlaTarget>; want: string }[] = [
    { durationMs: 7_999, target: {}, want: "ok" },
    { durationMs: 8_000, target: {}, want: "warning" },
    { durationMs: 10_000, target: {}, want: "warning" },
    { durationMs: 10_001, target: {}, want: "violation" },
    { durationMs: 12_000, target: { critical: true }, want: "blocking" },
    { durationMs: 5_000, target: { warnAt: 0.5 }, want: "warning" },
    { durationMs: 4_999, target: { warnAt: 0.5 }, want: "ok" },
  ];
  for (const { durationMs, target, want } of table) {
    const r = checkSla([stage("build", durationMs)], [{
      stage: "build",
      maxDurationMs: 10_000,
      ...target,
    }]);
    const got = r.blocking
      ? "blocking"
      : r.violations.length
      ? "violation"
      : r.warnings.length
      ? "warning"
      : "ok";
    assert.equal(got, want, `${durationMs} ms with ${JSON.stringify(target)}`);
    assert.equal(r.met, want === "ok" || want === "warning");
  }
});

test("findings carry the numbers and a message naming the stage", () => {
  const r = checkSla([stage("build", 12_500)], [{
    stage: "build",
    maxDurationMs: 10_000,
    critical: true,
  }]);
  assert.deepEqual(r.violations.map(({ message: _, ...v }) => v), [
    {
      stage: "build",
      measure: "stage",
      level: "violation",
      critical: true,
      actualMs: 12_500,
      limitMs: 10_000,
    },
  ]);
  assert.equal(
    r.violations[0].message,
    "Stage 'build' took 12.50 s, over its SLA of 10.00 s (125.0 %) [critical]",
  );
  const w =
    checkSla([stage("lint", 9_000)], [{ stage: "lint", maxDurationMs: 10_000 }]).warnings[0];
  assert.equal(
    w.message,
    "Stage 'lint' took 9.00 s, 90.0 % of its SLA of 10.00 s (warning from 80 %)",
  );
});

test("the per-task limit is checked against the stage's longest task", () => {
  const r = checkSla([stage("render", 5_000, 2_500)], [
    { stage: "render", maxDurationMs: 60_000, maxTaskMs: 2_000 },
  ]);
  assert.equal(r.warnings.length, 0);
  assert.equal(r.violations.length, 1);
  assert.equal(r.violations[0].measure, "task");
  assert.match(
    r.violations[0].message,
    /^A task of stage 'render' took 2.50 s, over the per-task SLA/,
  );
});

test("targets without a finished stage are listed as unmeasured, not as met or violated", () => {
  const r = checkSla([], [{ stage: "deploy", maxDurationMs: 1000 }]);
  assert.deepEqual(r, {
    met: true,
    blocking: false,
    violations: [],
    warnings: [],
    unmeasured: ["deploy"],
  });
});

test("defaultMaxDurationMs applies to stages that have no target of their own", () => {
  const stages = [stage("a", 40_000), stage("b", 40_000)];
  const r = checkSla(stages, [{ stage: "a", maxDurationMs: 60_000 }], {
    defaultMaxDurationMs: 30_000,
  });
  assert.deepEqual(r.violations.map((v) => v.stage), ["b"]);
  assert.deepEqual(r.warnings.map((v) => v.stage), []);
  assert.equal(checkSla(stages, []).violations.length, 0);
});

test("bad targets are refused with the index of the target", () => {
  assert.throws(
    () => checkSla([], [{ stage: "a", maxDurationMs: 1 }, { stage: "a", maxDurationMs: 2 }]),
    /'targets\[1\].stage' must be a unique non-empty string: current value is "a"/,
  );
  assert.throws(
    () => checkSla([], [{ stage: "a", maxDurationMs: 0 }]),
    /'targets\[0\].maxDurationMs'/,
  );
  assert.throws(
    () => checkSla([], [{ stage: "a", maxDurationMs: 1, warnAt: 1.2 }]),
    /'targets\[0\].warnAt'/,
  );
});
