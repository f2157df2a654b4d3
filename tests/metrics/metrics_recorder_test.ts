import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricsRecorder } from "../../src/metrics/metrics_recorder.ts";
import type { PoolGauges } from "../../src/metrics/metrics_snapshot.ts";

const pool = (over: Partial<PoolGauges> = {}): PoolGauges => ({
  workers: 2,
  busyWorkers: 1,
  idleWorkers: 1,
  queueDepth: 0,
  inFlight: 1,
  capacity: 2,
  ...over,
});

function finish(rec: MetricsRecorder, now: number, over: Record<string, unknown> = {}): void {
  rec.taskFinished({ name: "t", waitMs: 0, runMs: 10, busyMs: 10, ok: true, now, ...over });
}

test("throughput is tasks per second over the sliding window and over the whole run", () => {
  const rec = new MetricsRecorder(0, { windowMs: 10_000 });
  for (let t = 100; t <= 20_000; t += 100) finish(rec, t); // 10 tasks/s for 20 s
  let s = rec.snapshot(20_000, pool());
  assert.equal(s.throughput.overall, 10);
  assert.equal(s.throughput.windowMs, 10_000);
  // The window is exact to one slot (500 ms of 10 s): 10 ± 0.6.
  assert.ok(Math.abs(s.throughput.recent - 10) < 0.6, `recent ${s.throughput.recent}`);
  for (let t = 20_500; t <= 40_000; t += 500) finish(rec, t); // then 2 tasks/s for 20 s
  s = rec.snapshot(40_000, pool());
  assert.ok(Math.abs(s.throughput.recent - 2) < 0.2, `recent ${s.throughput.recent}`);
  assert.equal(s.throughput.overall, 240 / 40);
  s = rec.snapshot(60_000, pool()); // nothing finished in the last 20 s
  assert.equal(s.throughput.recent, 0);
  assert.equal(s.throughput.overall, 4);
});

test("arrivals count queued tasks per second over the window", () => {
  const rec = new MetricsRecorder(0, { windowMs: 1000 });
  for (let t = 0; t < 1000; t += 50) rec.taskQueued("t", t);
  const s = rec.snapshot(1000, pool());
  assert.equal(s.queued, 20);
  assert.equal(s.tasks[0].queued, 20);
  assert.ok(Math.abs(s.throughput.arrivals - 20) < 2.2, `arrivals ${s.throughput.arrivals}`);
});

test("utilisation is busy time and occupancy is run time over capacity x elapsed", () => {
  const rec = new MetricsRecorder(1000);
  // 10 s at capacity 2 = 20 000 slot-ms; 5 000 ms busy, 10 000 ms run.
  for (let i = 0; i < 10; i++) finish(rec, 2000 + i * 100, { runMs: 1000, busyMs: 500 });
  const s = rec.snapshot(11_000, pool({ capacity: 2 }));
  assert.equal(s.elapsedMs, 10_000);
  assert.equal(s.utilisation, 0.25);
  assert.deepEqual([s.runMs, s.busyMs], [10_000, 5_000]);
  assert.equal(s.occupancy, 0.5);
});

test("capacity is integrated between snapshots, so growth late in a run counts late", () => {
  const rec = new MetricsRecorder(0);
  rec.snapshot(10_000, pool({ capacity: 1 })); // 10 000 slot-ms so far
  finish(rec, 15_000, { runMs: 10_000, busyMs: 10_000 });
  const s = rec.snapshot(20_000, pool({ capacity: 4 })); // capacity 1 held until now: 20 000
  assert.equal(s.occupancy, 0.5);
  const later = rec.snapshot(25_000, pool({ capacity: 4 })); // + 4 x 5 000
  assert.equal(later.occupancy, 10_000 / 40_000);
});

test("success rate is ok over finished, and null before anything finished", () => {
  const rec = new MetricsRecorder(0);
  assert.equal(rec.snapshot(1, pool()).successRate, null);
  finish(rec, 10);
  finish(rec, 20);
  finish(rec, 30);
  finish(rec, 40, { ok: false });
  const s = rec.snapshot(50, pool());
  assert.equal(s.successRate, 0.75);
  assert.deepEqual([s.finished, s.ok, s.failed], [4, 3, 1]);
});

test("stages run from their first task's start to their last finish", () => {
  const rec = new MetricsRecorder(0);
  const table = [
    { stage: "build", now: 300, runMs: 200 }, // 100..300
    { stage: "build", now: 500, runMs: 450 }, // 50..500
    { stage: "test", now: 900, runMs: 100, ok: false }, // 800..900
    { stage: "build", now: 600, runMs: 50 }, // 550..600
  ];
  for (const row of table) finish(rec, row.now, row);
  finish(rec, 700); // no stage: not aggregated
  const s = rec.snapshot(1000, pool());
  assert.deepEqual(s.stages, [
    {
      stage: "build",
      tasks: 3,
      ok: 3,
      failed: 0,
      firstStartAt: 50,
      lastFinishAt: 600,
      durationMs: 550,
      maxTaskMs: 450,
      meanTaskMs: 700 / 3,
    },
    {
      stage: "test",
      tasks: 1,
      ok: 0,
      failed: 1,
      firstStartAt: 800,
      lastFinishAt: 900,
      durationMs: 100,
      maxTaskMs: 100,
      meanTaskMs: 100,
    },
  ]);
});

test("per-worker counts cover live workers only, sorted by id", () => {
  const rec = new MetricsRecorder(0);
  for (const id of [10, 2, 2, 1, 2]) finish(rec, 5, { workerId: id, runMs: 4, busyMs: 3 });
  rec.workerRetired(1);
  const s = rec.snapshot(10, pool());
  assert.deepEqual(s.workers, [
    { workerId: "2", tasks: 3, runMs: 12, busyMs: 9 },
    { workerId: "10", tasks: 1, runMs: 4, busyMs: 3 },
  ]);
});

test("queue history keeps the last N snapshots and a repeated time replaces its entry", () => {
  const rec = new MetricsRecorder(0, { queueHistory: 3 });
  for (const [t, depth] of [[1, 5], [2, 6], [3, 7], [4, 8], [4, 9]]) {
    rec.snapshot(t, pool({ queueDepth: depth }));
  }
  assert.deepEqual(rec.snapshot(5, pool({ queueDepth: 1 })).queueHistory, [7, 9, 1]);
});

test("decisions are passed through, the most recent ones, as copies", () => {
  const rec = new MetricsRecorder(0, { maxDecisions: 2 });
  const decisions = [1, 2, 3].map((i) => ({
    at: i,
    kind: "scale-up",
    reason: `r${i}`,
    from: i,
    to: i + 1,
  }));
  const s = rec.snapshot(10, pool(), decisions);
  assert.deepEqual(s.decisions.map((d) => d.reason), ["r2", "r3"]);
  decisions[2].reason = "changed";
  assert.equal(s.decisions[1].reason, "r3");
});

test("a snapshot is plain JSON-safe data", () => {
  const rec = new MetricsRecorder(0);
  rec.taskQueued("a", 0);
  finish(rec, 5, { name: "a", stage: "s", workerId: 1, busyMs: 0, lane: "async" });
  const s = rec.snapshot(10, pool({ cpu: 0.5 }), [{
    at: 1,
    kind: "route",
    task: "fetch",
    reason: "x",
  }]);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.equal(s.tasks[0].waitComputeRatio, null);
  assert.equal(s.pool.cpu, 0.5);
  assert.equal(rec.snapshot(11, pool()).pool.cpu, null);
});

test("bad options are refused when the recorder is created", () => {
  assert.throws(() => new MetricsRecorder(0, { alpha: 0 }), /'alpha' must be a number from/);
  assert.throws(() => new MetricsRecorder(0, { windowMs: 0 }), /'windowMs'/);
  assert.throws(() => new MetricsRecorder(0, { queueHistory: 0 }), /'queueHistory'/);
  assert.throws(() => new MetricsRecorder(NaN), /'startedAt' must be a finite number/);
});

test("past maxStages, idle stages are forgotten first and new names then fold into 'other'", () => {
  const rec = new MetricsRecorder(0, { maxStages: 2, stageIdleMs: 1000, maxTaskNames: 2 });
  const done = (stage: string, now: number, name = "t") =>
    rec.taskFinished({ name, stage, waitMs: 0, runMs: 1, busyMs: 1, ok: true, now });
  const names = (now: number) => rec.snapshot(now, pool()).stages.map((s) => s.stage).sort();
  done("a", 10);
  done("b", 10);
  done("c", 500); // a and b are not idle yet: c is counted under "other"
  done("a", 600); // a known stage keeps its own series
  assert.deepEqual(names(700), ["a", "b", "other"]);
  done("a", 1200);
  // b and "other" have been idle for 1000 ms: forgotten, and d takes a place of its own.
  done("d", 1700);
  assert.deepEqual(names(1800), ["a", "d"]);
  done("x", 1800, "u");
  done("x", 1800, "v"); // a third task name folds too
  assert.deepEqual(rec.snapshot(1900, pool()).tasks.map((t) => t.name).sort(), ["other", "t", "u"]);
  assert.throws(() => new MetricsRecorder(0, { maxStages: 0 }), /maxStages/);
});

test("tasks recorded in one fold give the figures of tasks recorded and read one by one", () => {
  // Deferred recording folds its log in order: the EMAs (order-dependent), histograms, rate
  // windows and counters must read as if every task had been read at once.
  const tasks = Array.from({ length: 50 }, (_, i) => ({
    name: i % 3 === 0 ? "a" : "b",
    waitMs: (i * 7) % 11,
    runMs: (i * 13) % 17 + 1,
    busyMs: (i * 5) % 7,
    ok: i % 9 !== 0,
    now: 10 + i * 40,
    workerId: i % 2,
  }));
  const batched = new MetricsRecorder(0);
  const stepped = new MetricsRecorder(0);
  for (const t of tasks) {
    batched.taskQueued(t.name, t.now - 5);
    batched.taskFinished(t);
    stepped.taskQueued(t.name, t.now - 5);
    stepped.taskFinished(t);
    stepped.snapshot(t.now, pool()); // folds after every task
  }
  const a = batched.snapshot(3000, pool());
  const b = stepped.snapshot(3000, pool());
  assert.deepEqual(a.tasks, b.tasks);
  assert.deepEqual(a.workers, b.workers);
  assert.equal(a.throughput.recent, b.throughput.recent);
  assert.equal(a.throughput.arrivals, b.throughput.arrivals);
  assert.equal(a.finished, 50);
  assert.equal(a.tasks.find((t) => t.name === "a")!.recent.runMs, emaOf(tasks, "a"));
});

/** The run-time EMA of `name`'s tasks, step by step (alpha 0.2, the default). */
function emaOf(tasks: { name: string; runMs: number }[], name: string): number {
  let v: number | null = null;
  for (const t of tasks) if (t.name === name) v = v === null ? t.runMs : v + 0.2 * (t.runMs - v);
  return v!;
}

test("a worker retired after its tasks finished is not brought back by their recording", () => {
  const rec = new MetricsRecorder(0);
  rec.taskFinished({ name: "x", waitMs: 1, runMs: 1, busyMs: 1, ok: true, now: 5, workerId: 7 });
  rec.workerRetired(7);
  assert.deepEqual(rec.snapshot(10, pool()).workers, []);
});

test("a finished task with a time that is not a finite number is refused at the call", () => {
  const rec = new MetricsRecorder(0);
  assert.throws(
    () => rec.taskFinished({ name: "x", waitMs: 1, runMs: NaN, busyMs: 1, ok: true, now: 5 }),
    (e: Error) =>
      e instanceof RangeError &&
      /'runMs' must be a finite number: current value is NaN/.test(e.message),
  );
  assert.equal(rec.snapshot(10, pool()).finished, 0);
});
