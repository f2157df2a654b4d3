import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, formatDiagnostics, formatReport, type PoolOptions } from "../../mod.ts";
import { openGate, sharedInts, until } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/tasks.ts");
const tasksUrl = new URL("../fixtures/tasks.ts", import.meta.url);
const pool = (options: PoolOptions = {}) =>
  createPool<Tasks>(tasksUrl, { maxWorkers: 2, autotune: false, ...options });

test("metrics() counts every task by name and stage, with success rate and throughput", async () => {
  const p = pool();
  try {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => p.run("add", { a: i, b: 1 }, { stage: "sum" })),
    );
    await Promise.all(
      Array.from({ length: 5 }, () => p.run("fail", "no", { stage: "sum" }).catch(() => {})),
    );
    const m = p.metrics();
    const add = m.tasks.find((t) => t.name === "add")!;
    assert.equal(add.count, 30);
    assert.equal(add.ok, 30);
    assert.equal(m.tasks.find((t) => t.name === "fail")!.failed, 5);
    assert.equal(m.finished, 35);
    assert.equal(m.successRate, 30 / 35);
    assert.ok(m.throughput.overall > 0);
    assert.equal(m.stages.length, 1);
    assert.equal(m.stages[0].stage, "sum");
    assert.equal(m.stages[0].tasks, 35);
    assert.equal(m.workers.reduce((n, w) => n + w.tasks, 0), 35);
    assert.equal(add.lane, "worker");
    const report = formatReport(m, { title: "test run" });
    assert.match(report, /test run/);
    assert.match(report, /add/);
  } finally {
    await p.closeNow();
  }
});

test("an autotuned pool routes a task that mostly waits to the async lane and raises concurrency", async () => {
  const p = createPool<Tasks>(tasksUrl, { maxWorkers: 2, autotune: { monitorIntervalMs: 50 } });
  try {
    // Tasks handed out and not yet finished: past the two workers' one each, they overlap.
    let inFlight = 0;
    let most = 0;
    // The most concurrency in force while the batch ran: the controller may scale it back down
    // once the batch is over, so the value after it proves nothing either way.
    let concurrency = 0;
    p.on("taskStarted", () => {
      most = Math.max(most, ++inFlight);
      concurrency = Math.max(concurrency, p.stats().concurrency);
    });
    p.on("taskFinished", () => inFlight--);
    await Promise.all(Array.from({ length: 800 }, () => p.run("sleep", 20)));
    const route = p.decisions.find((d) => d.kind === "route");
    assert.ok(route, JSON.stringify(p.decisions));
    assert.match(route.reason, /"sleep" worker→async/);
    assert.ok(concurrency > 1, `concurrency stayed at ${concurrency}`);
    assert.equal(p.metrics().tasks.find((t) => t.name === "sleep")!.lane, "async");
    // One at a time per worker (plus one waiting behind it), at most 4 would be in flight.
    assert.ok(most > 4, `at most ${most} sleeps in flight at once`);
  } finally {
    await p.closeNow();
  }
});

test("a pinned lane wins: a task pinned to the worker lane runs one at a time per worker", async () => {
  const p = pool({ maxWorkers: 1, concurrency: 50, lanes: { sleep: "worker" } });
  try {
    // Sampled each time a task is handed out, the moment in-flight can grow.
    let most = 0;
    p.on("taskStarted", () => (most = Math.max(most, p.stats().inFlight)));
    await Promise.all(Array.from({ length: 10 }, () => p.run("sleep", 10)));
    // One running plus at most one waiting in the worker.
    assert.ok(most <= 2, `in flight reached ${most}`);
    assert.throws(
      () => pool({ lanes: { sleep: "gpu" as "async" } }),
      /'lanes.sleep' must be one of "worker", "async"/,
    );
  } finally {
    await p.closeNow();
  }
});

test("diagnostics() shows each worker's state, current task and tasks done", async () => {
  const p = pool({ maxWorkers: 1 });
  const gate = sharedInts(2);
  try {
    await p.run("echo", 1);
    const running = p.run("blockUntilOpened", gate);
    await until(() => Atomics.load(gate, 1) === 1, "the task running in the worker");
    const d = p.diagnostics();
    assert.equal(d.workers.length, 1);
    assert.equal(d.workers[0].state, "busy");
    assert.equal(d.workers[0].currentTask, "blockUntilOpened");
    const first = d.workers[0].runningMs!;
    assert.ok(first >= 0, `running ${first}`);
    await until(() => p.diagnostics().workers[0].runningMs! > first, "runningMs growing");
    assert.equal(d.workers[0].tasksDone, 1);
    assert.match(formatDiagnostics(d), /blockUntilOpened/);
    openGate(gate);
    await running;
    assert.equal(p.diagnostics().workers[0].state, "idle");
  } finally {
    openGate(gate);
    await p.closeNow();
  }
});

test("probeHandoff() measures clone, transfer and shared hand-off by payload size", async () => {
  const p = pool({ maxWorkers: 1 });
  try {
    const rows = await p.probeHandoff({ sizes: [1024, 256 * 1024], rounds: 3, warmup: 1 });
    assert.equal(rows.length, 6);
    for (const row of rows) {
      assert.equal(row.error, null, `${row.mode} ${row.bytes}: ${row.error}`);
      assert.ok(row.medianMs! > 0);
    }
    assert.deepEqual(new Set(rows.map((r) => r.mode)), new Set(["clone", "transfer", "shared"]));
  } finally {
    await p.closeNow();
  }
});
