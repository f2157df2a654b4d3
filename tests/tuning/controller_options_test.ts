import { test } from "node:test";
import assert from "node:assert/strict";
import { POLICY_PRESETS, resolveControllerOptions } from "../../src/tuning/controller_options.ts";

test("resolveControllerOptions derives limits from the cores and documents every default", () => {
  const o = resolveControllerOptions(2);
  assert.deepEqual(
    { ...o, pinnedLanes: { ...o.pinnedLanes } },
    {
      minWorkers: 1,
      maxWorkers: 4,
      softLimit: 2,
      hardLimit: 4,
      policy: "balanced",
      monitorIntervalMs: 250,
      scaleUpThreshold: 0.75,
      scaleDownThreshold: 0.25,
      cpuThreshold: 0.8,
      cooldownMs: 500,
      queueFactor: 1.5,
      minConcurrency: 1,
      maxConcurrency: 512,
      noiseMargin: 0.05,
      exploreIntervals: 80,
      routeMinSamples: 8,
      routeHysteresis: 0.25,
      historySize: 100,
      pinnedLanes: {},
      resolved: true,
    },
  );
  assert.ok(Object.isFrozen(o));
});

test("resolveControllerOptions rounds a fractional quota and never sizes below one worker", () => {
  const table: [number, number, number][] = [[0, 1, 2], [1.5, 2, 4], [8, 8, 16]];
  for (const [cores, soft, hard] of table) {
    const o = resolveControllerOptions(cores);
    assert.deepEqual([o.softLimit, o.hardLimit], [soft, hard], `cores ${cores}`);
  }
});

test("resolveControllerOptions keeps defaults consistent with the limits the user set", () => {
  const o = resolveControllerOptions(8, { minWorkers: 3, hardLimit: 4, monitorIntervalMs: 100 });
  assert.deepEqual([o.softLimit, o.maxWorkers, o.cooldownMs], [4, 16, 200]);
  const small = resolveControllerOptions(8, { maxWorkers: 2 });
  assert.deepEqual([small.softLimit, small.hardLimit], [2, 2]);
  assert.equal(resolveControllerOptions(2, { minConcurrency: 600 }).maxConcurrency, 600);
  const pinned = resolveControllerOptions(2, { pinnedLanes: { fetch: "async" } });
  assert.equal(pinned.pinnedLanes.fetch, "async");
});

test("resolveControllerOptions names both options when an ordered pair is reversed", () => {
  const table: [Record<string, number>, RegExp][] = [
    [
      { softLimit: 8, hardLimit: 4 },
      /'hardLimit' must be >= 'softLimit' \(8\): current value is 4/,
    ],
    [
      { minWorkers: 5, maxWorkers: 4 },
      /'maxWorkers' must be >= 'minWorkers' \(5\): current value is 4/,
    ],
    [
      { hardLimit: 9, maxWorkers: 8 },
      /'maxWorkers' must be >= 'hardLimit' \(9\): current value is 8/,
    ],
    [
      { minWorkers: 3, maxWorkers: 8, hardLimit: 2 },
      /'hardLimit' must be >= 'minWorkers' \(3\): current value is 2/,
    ],
    [
      { minWorkers: 3, softLimit: 2 },
      /'softLimit' must be >= 'minWorkers' \(3\): current value is 2/,
    ],
    [
      { minConcurrency: 8, maxConcurrency: 4 },
      /'maxConcurrency' must be >= 'minConcurrency' \(8\)/,
    ],
    [
      { scaleUpThreshold: 0.5, scaleDownThreshold: 0.5 },
      /'scaleDownThreshold' must be < 'scaleUpThreshold' \(0.5\): current value is 0.5/,
    ],
  ];
  for (const [options, message] of table) {
    assert.throws(() => resolveControllerOptions(8, options), { name: "RangeError", message });
  }
});

test("resolveControllerOptions rejects every malformed option by name", () => {
  const table: [Record<string, unknown>, RegExp][] = [
    [{ minWorkers: -1 }, /'minWorkers' must be an integer >= 0/],
    [{ maxWorkers: 0 }, /'maxWorkers' must be a positive integer/],
    [{ hardLimit: 1.5 }, /'hardLimit'/],
    [{ softLimit: 0 }, /'softLimit'/],
    [{ monitorIntervalMs: 0 }, /'monitorIntervalMs'/],
    [{ scaleUpThreshold: 2 }, /'scaleUpThreshold' must be a number from 0 to 1/],
    [{ scaleDownThreshold: -1 }, /'scaleDownThreshold'/],
    [{ cpuThreshold: 1.2 }, /'cpuThreshold'/],
    [{ cooldownMs: -5 }, /'cooldownMs'/],
    [{ queueFactor: NaN }, /'queueFactor'/],
    [{ minConcurrency: 0 }, /'minConcurrency'/],
    [{ maxConcurrency: 0 }, /'maxConcurrency'/],
    [{ noiseMargin: -0.1 }, /'noiseMargin'/],
    [{ exploreIntervals: 0 }, /'exploreIntervals'/],
    [{ routeMinSamples: 0 }, /'routeMinSamples'/],
    [{ routeHysteresis: -1 }, /'routeHysteresis'/],
    [{ historySize: 0 }, /'historySize'/],
  ];
  for (const [options, message] of table) {
    assert.throws(() => resolveControllerOptions(2, options), { name: "RangeError", message });
  }
  assert.throws(() => resolveControllerOptions(-1), /'cores'/);
  assert.throws(() => resolveControllerOptions(2, { policy: "eager" as "balanced" }), {
    name: "TypeError",
    message: /'policy' must be one of "conservative", "balanced", "aggressive"/,
  });
  assert.throws(
    () => resolveControllerOptions(2, { pinnedLanes: { fetch: "thread" as "async" } }),
    { name: "TypeError", message: /'pinnedLanes.fetch' must be one of "worker", "async"/ },
  );
});

test("policy presets grow faster and keep workers longer from conservative to aggressive", () => {
  const { conservative: c, balanced: b, aggressive: a } = POLICY_PRESETS;
  assert.ok(c.growth < b.growth && b.growth < a.growth);
  assert.ok(c.idleIntervals < b.idleIntervals && b.idleIntervals < a.idleIntervals);
  assert.ok(c.growIntervals > a.growIntervals);
});
