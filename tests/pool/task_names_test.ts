// Task names are arbitrary strings: names of Object.prototype members ("constructor",
// "__proto__", …) must neither crash the pool's tables nor reach inherited members.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, formatReport } from "../../mod.ts";
import { classifyLoad, routeLanes } from "../../src/tuning/lane_router.ts";
import { taskLoads } from "../../src/engine/pool_monitor.ts";
import type { MetricsSnapshot } from "../../src/metrics/metrics_snapshot.ts";
import { estimateWeight, historyWeights } from "../../src/sizing/weights.ts";
import { rejection, tasksUrl, until } from "../fixtures/pool_helpers.ts";

const PROTO_NAMES = ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"];
const protoNamesUrl = new URL("../fixtures/proto_names.ts", import.meta.url);

/** A table with an own property for each prototype-like name (JSON.parse defines own keys). */
function ownTable<T>(value: T): Record<string, T> {
  return JSON.parse(JSON.stringify(Object.fromEntries(PROTO_NAMES.map((n) => [n, value]))));
}

test("classifyLoad() and routeLanes() accept task names like constructor and __proto__", () => {
  const load = { count: 20, waitMs: 20, computeMs: 0.01 };
  const tasks = ownTable(load);
  assert.equal(classifyLoad(tasks, {}, {}).kind, "cpu");
  const { lanes, decisions } = routeLanes({}, tasks, {
    now: 0,
    pinnedLanes: {},
    routeMinSamples: 8,
    routeHysteresis: 0.25,
  });
  for (const name of PROTO_NAMES) {
    assert.ok(Object.hasOwn(lanes, name), `no own lane for ${name}`);
    assert.equal(lanes[name], "async", name);
  }
  assert.deepEqual(decisions.map((d) => d.task).sort(), [...PROTO_NAMES].sort());
  // Names never seen are not routed, though plain objects inherit members of those names.
  assert.equal(classifyLoad({ plain: load }, {}, {}).kind, "cpu");
});

test("taskLoads() keeps a task named __proto__ as an own entry", () => {
  const summary = (name: string) => ({ name, count: 3, recent: { runMs: 5, busyMs: 1 } });
  const snapshot = { tasks: PROTO_NAMES.map(summary) } as unknown as MetricsSnapshot;
  const loads = taskLoads(snapshot);
  assert.deepEqual(Object.keys(loads).sort(), [...PROTO_NAMES].sort());
  assert.equal(Object.getPrototypeOf(loads), Object.prototype);
  assert.deepEqual(loads["__proto__"], { count: 3, waitMs: 4, computeMs: 1 });
});

test("historyWeights() and estimateWeight() ignore inherited members", () => {
  const weights = historyWeights(JSON.parse('{"__proto__": 30, "a": 10}'));
  assert.ok(Object.hasOwn(weights, "__proto__"));
  assert.equal(weights["__proto__"], 1.5);
  assert.equal(estimateWeight(null, { history: { a: 30 }, name: "constructor" }), 1);
  assert.equal(estimateWeight(null, { history: { a: 30 }, name: "toString" }), 1);
});

test("an autotuned pool survives tasks named like Object.prototype members and says they do not exist", async () => {
  const p = createPool<Record<string, (x: unknown) => unknown>>(tasksUrl, {
    autotune: { monitorIntervalMs: 20, routeMinSamples: 1 },
  });
  try {
    for (const name of PROTO_NAMES) {
      const error = await rejection(p.run(name, 1));
      assert.equal(error.name, "TypeError", name);
      assert.match(error.message, new RegExp(`Cannot run task '${name}'`));
      assert.match(error.message, /exports: add, .*echo,/);
    }
    // A task that waits routes to the async lane at a controller tick: that tick, and the ones
    // before it, have sampled the names above.
    // The controller ticks only while the pool has work, so keep it busy until that tick.
    const routed = () => p.decisions.some((d) => d.kind === "route" && d.task === "sleep");
    for (let round = 0; !routed() && round < 500; round++) {
      await Promise.all(Array.from({ length: 4 }, () => p.run("sleep", 5)));
    }
    assert.ok(routed(), "no controller tick routed 'sleep'");
    assert.equal(await p.run("add", { a: 2, b: 3 }), 5);
    const metrics = p.metrics();
    const json = JSON.parse(JSON.stringify(metrics));
    assert.deepEqual(
      json.tasks.map((t: { name: string }) => t.name).filter((n: string) => PROTO_NAMES.includes(n))
        .sort(),
      [...PROTO_NAMES].sort(),
    );
    const report = formatReport(metrics);
    for (const name of PROTO_NAMES) assert.ok(report.includes(name), `report lacks ${name}`);
  } finally {
    await p.closeNow();
  }
});

test("an autotuned pool runs a module's own exports named constructor, valueOf, toString, __proto__", async () => {
  const p = createPool<typeof import("../fixtures/proto_names.ts")>(protoNamesUrl, {
    autotune: { monitorIntervalMs: 20, routeMinSamples: 1 },
  });
  try {
    assert.equal(await p.run("constructor", "x"), "constructor ran with x");
    assert.equal(await p.run("valueOf", 21), 42);
    assert.equal(await p.run("toString", undefined), "own toString");
    assert.equal(await p.run("hasOwnProperty", undefined), "own hasOwnProperty");
    assert.equal(await p.run("__proto__", undefined), "own __proto__");
    await until(() => p.metrics().queueHistory.length >= 3, "three snapshots");
    assert.equal(await p.run("plain", undefined), "plain");
  } finally {
    await p.closeNow();
  }
});

test("inline mode runs own exports named like Object.prototype members, and lists the exports for others", async () => {
  const p = createPool<typeof import("../fixtures/proto_names.ts")>(protoNamesUrl, {
    mode: "inline",
  });
  try {
    assert.equal(await p.run("valueOf", 4), 8);
    assert.equal(await p.run("constructor", "y"), "constructor ran with y");
    const untyped = p as unknown as { run(name: string, input: unknown): Promise<unknown> };
    const error = await rejection(untyped.run("isPrototypeOf", 1));
    assert.match(error.message, /Cannot run task 'isPrototypeOf'/);
    assert.match(error.message, /exports: .*plain/);
  } finally {
    await p.closeNow();
  }
});
