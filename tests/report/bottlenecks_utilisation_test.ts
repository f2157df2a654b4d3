// The README: the report's bottlenecks include "utilisation < 50 %". Utilisation is the workers'
// busy (compute) time over capacity; occupancy, the time task slots were held, is another figure.
// These tests hold the rule to the README's words by moving the two apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findBottlenecks } from "../../mod.ts";
import type { MetricsSnapshot } from "../../mod.ts";

/** A pool that did 100 tasks on 4 workers over 10 s, with nothing else wrong. */
function snapshot(utilisation: number, occupancy: number): MetricsSnapshot {
  return {
    at: 10_000,
    startedAt: 0,
    elapsedMs: 10_000,
    pool: {
      workers: 4,
      busyWorkers: 2,
      idleWorkers: 2,
      queueDepth: 0,
      inFlight: 2,
      capacity: 4,
      cpu: null,
    },
    queued: 100,
    finished: 100,
    ok: 100,
    failed: 0,
    runMs: occupancy * 40_000,
    busyMs: utilisation * 40_000,
    successRate: 1,
    throughput: { windowMs: 10_000, recent: 10, overall: 10, arrivals: 10 },
    utilisation,
    occupancy,
    tasks: [],
    stages: [],
    workers: [],
    queueHistory: [0],
    decisions: [],
  };
}

const rules = (s: MetricsSnapshot) => findBottlenecks(s).map((f) => f.rule);

test("workers busy computing 30 % of the time are under-utilised, even with task slots held 90 % of it", () => {
  assert.deepEqual(rules(snapshot(0.3, 0.9)), ["under-utilisation"]);
});

test("workers busy computing 90 % of the time are not under-utilised, whatever the occupancy", () => {
  assert.deepEqual(rules(snapshot(0.9, 0.3)), []);
});

test("utilisation of exactly 50 % is not under-utilisation", () => {
  assert.deepEqual(rules(snapshot(0.5, 0.5)), []);
});
