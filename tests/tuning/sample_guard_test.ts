import { test } from "node:test";
import assert from "node:assert/strict";
import type { PoolSample } from "../../src/tuning/controller.ts";
import { resolveControllerOptions } from "../../src/tuning/controller_options.ts";
import { checkSample, clampTarget } from "../../src/tuning/sample_guard.ts";

const sample: PoolSample = {
  now: 0,
  workers: 2,
  busyWorkers: 1,
  concurrency: 1,
  inFlight: 1,
  queueDepth: 0,
  completed: 0,
  busyMs: 0,
  cores: 2,
  tasks: {},
};

test("checkSample names the first malformed field", () => {
  const table: [Partial<PoolSample>, RegExp][] = [
    [{ now: NaN }, /'sample.now'/],
    [{ cores: -1 }, /'sample.cores'/],
    [{ workers: 1.5 }, /'sample.workers'/],
    [{ completed: -1 }, /'sample.completed'/],
    [{ cpuUtilization: 1.5 }, /'sample.cpuUtilization' must be a number from 0 to 1/],
  ];
  for (const [patch, message] of table) {
    assert.throws(() => checkSample({ ...sample, ...patch }), { name: "RangeError", message });
  }
  checkSample({ ...sample, cpuUtilization: 0.4 });
});

test("clampTarget leaves a target inside the bounds alone and records each clamp", () => {
  const o = resolveControllerOptions(2);
  assert.deepEqual(clampTarget({ workers: 2, concurrency: 8 }, o, 0), {
    target: { workers: 2, concurrency: 8 },
    decisions: [],
  });
  const r = clampTarget({ workers: 0, concurrency: 600 }, o, 5);
  assert.deepEqual(r.target, { workers: 1, concurrency: 512 });
  assert.deepEqual(r.decisions, [
    { at: 5, kind: "scale-up", from: 0, to: 1, reason: "scale up workers 0→1: below minimum 1" },
    {
      at: 5,
      kind: "scale-down",
      from: 600,
      to: 512,
      reason: "scale down concurrency 600→512: above maximum 512",
    },
  ]);
});
