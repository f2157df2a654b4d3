import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricsRecorder } from "../../src/metrics/metrics_recorder.ts";
import { exportRun, parseRun, RUN_FORMAT_VERSION } from "../../src/report/run_export.ts";

function snapshot() {
  const rec = new MetricsRecorder(0);
  rec.taskQueued("a", 0);
  rec.taskFinished({
    name: "a",
    stage: "s",
    waitMs: 1,
    runMs: 9,
    busyMs: 0,
    ok: true,
    now: 10,
    workerId: 3,
    lane: "async",
  });
  return rec.snapshot(100, {
    workers: 1,
    busyWorkers: 0,
    idleWorkers: 1,
    queueDepth: 0,
    inFlight: 0,
    capacity: 1,
  }, [{ at: 5, kind: "route", task: "fetch", reason: "W/C 8" }, {
    at: 6,
    kind: "scale-up",
    reason: "q",
    from: 1,
    to: 2,
  }]);
}

const at = Date.UTC(2025, 9, 24);

test("exportRun then JSON then parseRun gives back the same run", () => {
  const run = exportRun(snapshot(), { label: "nightly", at });
  assert.equal(run.version, RUN_FORMAT_VERSION);
  const back = parseRun(JSON.stringify(run, null, 2));
  assert.deepEqual(back, run);
  assert.deepEqual(parseRun(JSON.parse(JSON.stringify(run))), run);
});

test("exportRun copies the snapshot, so later changes do not leak into the record", () => {
  const snap = snapshot();
  const run = exportRun(snap, { label: "x", at });
  snap.tasks[0].count = 99;
  assert.equal(run.snapshot.tasks[0].count, 1);
});

test("exportRun refuses a missing label or time", () => {
  assert.throws(
    () => exportRun(snapshot(), { label: 3 as unknown as string, at }),
    /'label' must be a string/,
  );
  assert.throws(
    () => exportRun(snapshot(), { label: "x", at: NaN }),
    /'at' must be a finite number/,
  );
});

test("parseRun explains what is wrong with bad input", () => {
  const good = () => JSON.parse(JSON.stringify(exportRun(snapshot(), { label: "x", at })));
  const table: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "text that is not JSON",
      () => "{version: 1",
      SyntaxError,
      /^Cannot parse run as the text is not JSON: /,
    ],
    ["an array", () => "[]", TypeError, /'\(root\)' must be an object: current value is \[\]/],
    ["null", () => "null", TypeError, /must be an object: current value is null/],
    [
      "a newer version",
      () => ({ ...good(), version: 2 }),
      RangeError,
      /^Cannot parse run as 'version' must be 1: current value is 2$/,
    ],
    ["no version", () => ({ label: "x" }), RangeError, /current value is undefined/],
    [
      "a label that is a number",
      () => ({ ...good(), label: 5 }),
      TypeError,
      /'label' must be a string: current value is 5/,
    ],
    [
      "a missing throughput",
      () => {
        const r = good();
        delete r.snapshot.throughput.overall;
        return r;
      },
      TypeError,
      /^Cannot parse run as 'snapshot\.throughput\.overall' must be a finite number: current value is undefined$/,
    ],
    [
      "a percentile that is a string",
      () => {
        const r = good();
        r.snapshot.tasks[0].run.p99 = "9";
        return r;
      },
      TypeError,
      /'snapshot\.tasks\[0\]\.run\.p99' must be a finite number: current value is "9"/,
    ],
    [
      "stages that are not an array",
      () => {
        const r = good();
        r.snapshot.stages = {};
        return r;
      },
      TypeError,
      /'snapshot\.stages' must be an array/,
    ],
    [
      "a decision size that is a string",
      () => {
        const r = good();
        r.snapshot.decisions[1].to = "2";
        return r;
      },
      TypeError,
      /'snapshot\.decisions\[1\]\.to' must be a finite number/,
    ],
    [
      "a success rate that is missing",
      () => {
        const r = good();
        delete r.snapshot.successRate;
        return r;
      },
      TypeError,
      /'snapshot\.successRate' must be a finite number or null: current value is undefined/,
    ],
  ];
  for (const [name, make, type, message] of table) {
    const input = make();
    assert.throws(
      () => parseRun(typeof input === "string" ? input : JSON.stringify(input)),
      (e: unknown) => {
        assert.ok(e instanceof type, `${name}: ${e}`);
        assert.match((e as Error).message, message, name);
        return true;
      },
    );
  }
});

test("optional decision sizes may be absent and a null CPU is accepted", () => {
  const run = parseRun(JSON.stringify(exportRun(snapshot(), { label: "x", at })));
  assert.equal(run.snapshot.decisions[0].from, undefined);
  assert.equal(run.snapshot.decisions[0].task, "fetch");
  assert.equal(run.snapshot.busyMs, 0);
  assert.equal(run.snapshot.runMs, 9);
  assert.equal(run.snapshot.pool.cpu, null);
});
