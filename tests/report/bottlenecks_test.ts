import { test } from "node:test";
import assert from "node:assert/strict";
import { BOTTLENECK_RULES, findBottlenecks } from "../../src/report/bottlenecks.ts";
import type { MetricsSnapshot, StageSummary } from "../../src/metrics/metrics_snapshot.ts";
import type { TaskSummary } from "../../src/metrics/task_stats.ts";

const zero = { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };

function task(over: Partial<TaskSummary>): TaskSummary {
  return {
    name: "t",
    lane: "worker",
    queued: 10,
    count: 10,
    ok: 10,
    failed: 0,
    wait: zero,
    run: zero,
    busy: zero,
    recent: { waitMs: 0, runMs: 10, busyMs: 10 },
    waitComputeRatio: 0,
    resultBytes: { total: 0, mean: 0 },
    ...over,
  };
}

function stage(name: string, durationMs: number): StageSummary {
  return {
    stage: name,
    tasks: 5,
    ok: 5,
    failed: 0,
    firstStartAt: 0,
    lastFinishAt: durationMs,
    durationMs,
    maxTaskMs: durationMs,
    meanTaskMs: durationMs,
  };
}

const workers = (tasks: number[], runMs = tasks.map((n) => n * 10)) =>
  tasks.map((n, i) => ({ workerId: String(i + 1), tasks: n, runMs: runMs[i], busyMs: runMs[i] }));

/** A healthy pool: no rule fires. Each row below changes one thing. */
function healthy(): MetricsSnapshot {
  return {
    at: 10_000,
    startedAt: 0,
    elapsedMs: 10_000,
    pool: {
      workers: 4,
      busyWorkers: 3,
      idleWorkers: 1,
      queueDepth: 2,
      inFlight: 3,
      capacity: 4,
      cpu: 0.6,
    },
    queued: 100,
    finished: 100,
    ok: 100,
    failed: 0,
    runMs: 32_000,
    busyMs: 28_000,
    successRate: 1,
    throughput: { windowMs: 10_000, recent: 10, overall: 10, arrivals: 10 },
    utilisation: 0.7,
    occupancy: 0.8,
    tasks: [
      task({ name: "hash", lane: "worker", waitComputeRatio: 0.1 }),
      task({ name: "fetch", lane: "async", waitComputeRatio: 9 }),
    ],
    stages: [stage("a", 1000), stage("b", 1200), stage("c", 1100)],
    workers: workers([25, 25, 24, 26]),
    queueHistory: [2, 1, 2],
    decisions: [],
  };
}

type Row = [string, (s: MetricsSnapshot) => void, string[]];
const rows: Row[] = [
  ["the healthy pool", () => {}, []],
  ["a queue deeper than 2 x slots", (s) => (s.pool.queueDepth = 9), ["queue-overload"]],
  ["a queue exactly 2 x slots", (s) => (s.pool.queueDepth = 8), []],
  ["a queue rising over 3 snapshots", (s) => (s.queueHistory = [1, 2, 3]), ["queue-growth"]],
  ["a queue rising over the last 3 of 4", (s) => (s.queueHistory = [9, 1, 2, 3]), ["queue-growth"]],
  ["a queue that rose then stayed", (s) => (s.queueHistory = [1, 2, 2]), []],
  ["a queue shrinking", (s) => (s.queueHistory = [3, 2, 1]), []],
  ["too short a queue history", (s) => (s.queueHistory = [1, 2]), []],
  ["CPU at 95 %", (s) => (s.pool.cpu = 0.95), ["cpu-saturation"]],
  ["CPU at exactly 90 %", (s) => (s.pool.cpu = 0.9), []],
  ["CPU unknown", (s) => (s.pool.cpu = null), []],
  ["a CPU-heavy task in the async lane", (s) => (s.tasks[1].waitComputeRatio = 0.5), [
    "cpu-heavy-async",
  ]],
  ["an async task with W/C exactly 1", (s) => (s.tasks[1].waitComputeRatio = 1), []],
  ["an async task with unknown W/C", (s) => (s.tasks[1].waitComputeRatio = null), []],
  ["a CPU-heavy async task with few samples", (s) => {
    s.tasks[1].waitComputeRatio = 0.5;
    s.tasks[1].count = 4;
  }, []],
  ["a CPU-heavy task in the worker lane", (s) => (s.tasks[0].waitComputeRatio = 0.01), []],
  [
    "a stage over 1.5 x the mean",
    (s) => (s.stages = [stage("a", 1000), stage("b", 1000), stage("c", 4000)]),
    [
      "slow-stage",
    ],
  ],
  [
    "a stage just under 1.5 x the mean",
    (s) => (s.stages = [stage("a", 1000), stage("b", 1000), stage("c", 1900)]),
    [],
  ],
  ["a single stage", (s) => (s.stages = [stage("a", 99_000)]), []],
  ["one worker with 4x the tasks", (s) => (s.workers = workers([10, 10, 40])), [
    "uneven-distribution",
  ]],
  ["one worker with 2.9x the tasks", (s) => (s.workers = workers([10, 10, 29])), []],
  ["even tasks but 4x the run time", (s) => (s.workers = workers([10, 10], [100, 400])), [
    "uneven-distribution",
  ]],
  ["uneven work before minTasks", (s) => {
    s.workers = workers([1, 5]);
    s.finished = 6;
  }, []],
  ["a single worker", (s) => (s.workers = workers([100])), []],
  ["workers computing 30 % of the time", (s) => (s.utilisation = 0.3), ["under-utilisation"]],
  ["workers computing exactly 50 %", (s) => (s.utilisation = 0.5), []],
  ["low utilisation before minTasks", (s) => {
    s.utilisation = 0.1;
    s.finished = 19;
  }, []],
];

for (const [name, change, want] of rows) {
  test(`findBottlenecks on ${name} reports ${want.length ? want.join(", ") : "nothing"}`, () => {
    const s = healthy();
    change(s);
    const found = findBottlenecks(s);
    assert.deepEqual(found.map((f) => f.rule), want);
    for (const f of found) {
      assert.ok(BOTTLENECK_RULES.includes(f.rule));
      assert.ok(f.message.length > 0 && f.recommendation.length > 0);
    }
  });
}

test("findings name the numbers and say what to do", () => {
  const s = healthy();
  s.pool.capacity = 8;
  s.utilisation = 0.3;
  s.workers = workers([10, 10, 40]);
  s.stages = [stage("a", 1000), stage("b", 1000), stage("c", 4000)];
  const byRule = Object.fromEntries(findBottlenecks(s).map((f) => [f.rule, f]));
  assert.equal(byRule["under-utilisation"].severity, "info");
  assert.equal(
    byRule["under-utilisation"].recommendation.startsWith(
      "Reduce the pool from 8 to about 3 task slots",
    ),
    true,
  );
  assert.equal(byRule["slow-stage"].message, "Stage 'c' took 4.00 s, 2.0x the mean stage (2.00 s)");
  assert.match(byRule["uneven-distribution"].message, /3 workers: 10\.\.40 tasks \(4\.0x\)/);
});

test("findings come most severe first", () => {
  const s = healthy();
  s.utilisation = 0.2;
  s.pool.cpu = 0.99;
  s.pool.queueDepth = 50;
  assert.deepEqual(findBottlenecks(s).map((f) => f.severity), ["critical", "warning", "info"]);
});

test("thresholds are options and are validated", () => {
  const s = healthy();
  s.pool.cpu = 0.8;
  assert.deepEqual(findBottlenecks(s, { cpuSaturation: 0.75 }).map((f) => f.rule), [
    "cpu-saturation",
  ]);
  assert.throws(
    () => findBottlenecks(s, { slowStageFactor: 0.5 }),
    /'slowStageFactor' must be a finite number >= 1/,
  );
  assert.throws(() => findBottlenecks(s, { queueGrowthSamples: 1 }), /'queueGrowthSamples'/);
});
