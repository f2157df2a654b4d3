import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskStats } from "../../src/metrics/task_stats.ts";

test("a summary's W/C is (run - busy) / busy, null without busy time, never negative", () => {
  const table: [number, number, number | null][] = [
    [30, 10, 2],
    [10, 10, 0],
    [15, 10, 0.5],
    [8, 10, 0], // busy above run: two clocks, no waiting
    [50, 0, null],
    [0, 0, null],
  ];
  for (const [run, busy, want] of table) {
    const s = new TaskStats("t");
    s.record({ waitMs: 0, runMs: run, busyMs: busy, ok: true });
    assert.equal(s.summary().waitComputeRatio, want, `${run}/${busy}`);
  }
});

test("TaskStats counts ok and failed tasks and keeps the latest lane", () => {
  const s = new TaskStats("fetch");
  s.queued();
  s.queued();
  s.record({ waitMs: 1, runMs: 10, busyMs: 2, ok: true, lane: "worker" });
  s.record({ waitMs: 3, runMs: 30, busyMs: 2, ok: false, lane: "async" });
  const sum = s.summary();
  assert.equal(sum.name, "fetch");
  assert.equal(sum.queued, 2);
  assert.equal(sum.count, 2);
  assert.equal(sum.ok, 1);
  assert.equal(sum.failed, 1);
  assert.equal(sum.lane, "async");
  assert.equal(sum.run.max, 30);
  assert.equal(sum.wait.min, 1);
});

test("TaskStats takes W/C from the recent averages, so a change of behaviour shows", () => {
  const s = new TaskStats("t", { alpha: 0.5 });
  s.record({ waitMs: 0, runMs: 40, busyMs: 10, ok: true }); // W/C 3
  assert.equal(s.summary().waitComputeRatio, 3);
  s.record({ waitMs: 0, runMs: 10, busyMs: 10, ok: true }); // EMA run 25, busy 10
  assert.deepEqual(s.summary().recent, { waitMs: 0, runMs: 25, busyMs: 10 });
  assert.equal(s.summary().waitComputeRatio, 1.5);
});

test("TaskStats averages result bytes over the tasks that reported a size", () => {
  const s = new TaskStats("t");
  s.record({ waitMs: 0, runMs: 1, busyMs: 1, ok: true, resultBytes: 100 });
  s.record({ waitMs: 0, runMs: 1, busyMs: 1, ok: true, resultBytes: 300 });
  s.record({ waitMs: 0, runMs: 1, busyMs: 1, ok: true });
  assert.deepEqual(s.summary().resultBytes, { total: 400, mean: 200 });
});

test("an unused TaskStats has null lane and W/C and zero counts", () => {
  const sum = new TaskStats("idle").summary();
  assert.equal(sum.lane, null);
  assert.equal(sum.waitComputeRatio, null);
  assert.equal(sum.count, 0);
  assert.deepEqual(sum.resultBytes, { total: 0, mean: 0 });
});
