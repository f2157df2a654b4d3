import { test } from "node:test";
import assert from "node:assert/strict";
import {
  optimalWorkers,
  type OptimalWorkersOptions,
  planWorkers,
  queueBound,
  shouldParallelize,
  type ShouldParallelizeOptions,
} from "../../src/sizing/sizing.ts";

test("shouldParallelize follows the seed's examples", () => {
  const table: [number, ShouldParallelizeOptions, boolean][] = [
    [5, {}, false], // below threshold
    [100, {}, true], // above threshold
    [100, { workEstimateMs: 0.5 }, false], // too little work to pay for the hand-off
  ];
  for (const [count, options, expected] of table) {
    assert.equal(
      shouldParallelize(count, options),
      expected,
      `${count} ${JSON.stringify(options)}`,
    );
  }
});

test("shouldParallelize applies each workload's threshold and minimum work", () => {
  const table: [number, ShouldParallelizeOptions, boolean][] = [
    [9, {}, false],
    [10, {}, true],
    [10, { workEstimateMs: 9.9 }, false],
    [10, { workEstimateMs: 10 }, true],
    [19, { workload: "compile" }, false],
    [20, { workload: "compile" }, true],
    [100, { workload: "compile", workEstimateMs: 15 }, false],
    [3, { workload: "io" }, false],
    [4, { workload: "io" }, true],
    [4, { workload: "io", workEstimateMs: 2 }, true],
    [0, {}, false],
  ];
  for (const [count, options, expected] of table) {
    assert.equal(
      shouldParallelize(count, options),
      expected,
      `${count} ${JSON.stringify(options)}`,
    );
  }
});

test("shouldParallelize asks more of a batch in CI, where at most 2 workers help", () => {
  assert.equal(shouldParallelize(15, { environment: "local" }), true);
  assert.equal(shouldParallelize(15, { environment: "ci" }), false);
  assert.equal(shouldParallelize(100, { environment: "ci", workEstimateMs: 15 }), false);
  assert.equal(shouldParallelize(100, { environment: "production", workEstimateMs: 15 }), true);
});

test("optimalWorkers follows the seed's examples", () => {
  const table: [OptimalWorkersOptions, number][] = [
    [{ cores: 16 }, 4], // local cap
    [{ cores: 16, workload: "compile" }, 2], // compile gets fewer
    [{ cores: 16, override: 16 }, 16], // override wins
  ];
  for (const [options, expected] of table) {
    assert.equal(optimalWorkers(100, options), expected, JSON.stringify(options));
  }
});

test("optimalWorkers gives heavier tasks more workers, up to the cap and never past the cores", () => {
  // local cpu: cores × min(1, 1 × weight)
  const table: [number, number, number][] = [
    // cores, taskWeight, workers
    [4, 0.1, 1],
    [4, 0.5, 2],
    [4, 0.7, 3],
    [4, 1, 4],
    [4, 2, 4],
    [4, 5, 4],
    [2, 5, 2], // weight never oversubscribes the cores
    [16, 0.1, 2],
    [16, 5, 4], // local cap
  ];
  for (const [cores, taskWeight, workers] of table) {
    assert.equal(
      optimalWorkers(100, { cores, taskWeight }),
      workers,
      `${cores} cores, weight ${taskWeight}`,
    );
  }
  assert.equal(optimalWorkers(100, { cores: 4, taskWeight: 50 }), 4, "weights above 5 are clamped");
});

test("optimalWorkers caps by environment", () => {
  const table: [OptimalWorkersOptions, number][] = [
    [{ cores: 32, environment: "ci" }, 2],
    [{ cores: 32, environment: "local" }, 4],
    [{ cores: 32, environment: "production" }, 8],
    [{ cores: 32, environment: "ci", workload: "compile" }, 1],
    [{ cores: 32, environment: "production", workload: "compile" }, 4],
    [{ cores: 32, environment: "production", workload: "io" }, 4],
    [{ cores: 4, environment: "production" }, 4],
    [{ cores: 1, environment: "production" }, 2], // minWorkers floor
  ];
  for (const [options, expected] of table) {
    assert.equal(optimalWorkers(1000, options), expected, JSON.stringify(options));
  }
});

test("optimalWorkers never uses more workers than tasks, and at least one", () => {
  const table: [number, OptimalWorkersOptions, number][] = [
    [1, { cores: 64, environment: "production" }, 1],
    [3, { cores: 64, environment: "production" }, 3],
    [1, { cores: 0.5 }, 1],
    [Infinity, { cores: 64 }, 4],
    [0, { cores: 64 }, 1], // no batch yet: the profile's floor
    [0, { cores: 64, environment: "production" }, 2],
  ];
  for (const [count, options, expected] of table) {
    assert.equal(optimalWorkers(count, options), expected, `${count} ${JSON.stringify(options)}`);
  }
});

test("optimalWorkers keeps float noise from adding a worker", () => {
  // production cpu: 25 × 0.28 is 7.000000000000001 in floating point, and means 7.
  assert.equal(optimalWorkers(100, { cores: 25, taskWeight: 0.28, environment: "production" }), 7);
  assert.equal(optimalWorkers(100, { cores: 25, taskWeight: 0.56, environment: "production" }), 8);
});

test("optimalWorkers defaults cores to navigator.hardwareConcurrency", () => {
  const hc = globalThis.navigator?.hardwareConcurrency ?? 1;
  assert.equal(optimalWorkers(100), optimalWorkers(100, { cores: hc }));
});

test("planWorkers names the rule that decided the count", () => {
  const table: [number, OptimalWorkersOptions, number, string][] = [
    [100, { cores: 16 }, 4, "maxWorkers"],
    [100, { cores: 2 }, 2, "cores"],
    [100, { cores: 1, environment: "production" }, 2, "minWorkers"],
    [2, { cores: 16 }, 2, "taskCount"],
    [2, { cores: 16, override: 12 }, 12, "override"],
    [0, { cores: 16 }, 1, "minWorkers"],
  ];
  for (const [count, options, workers, limitedBy] of table) {
    assert.deepEqual(planWorkers(count, options), { workers, limitedBy }, JSON.stringify(options));
  }
});

test("queueBound is workers × concurrency per worker × queue per slot", () => {
  const table: [number, Parameters<typeof queueBound>[1], number][] = [
    [4, {}, 4 * 1 * 256],
    [1, { workload: "compile", environment: "ci" }, 256],
    [2, { workload: "io" }, 2 * 64 * 16],
    [4, { workload: "io", environment: "production" }, 4 * 128 * 16],
  ];
  for (const [workers, options, expected] of table) {
    assert.equal(queueBound(workers, options), expected, JSON.stringify(options));
  }
});

test("sizing rejects bad options with errors that name the option", () => {
  const table: [() => unknown, string, RegExp][] = [
    [
      () => shouldParallelize(-1),
      "RangeError",
      /'taskCount' must be an integer >= 0: current value is -1/,
    ],
    [() => shouldParallelize(NaN), "RangeError", /'taskCount'.*NaN/],
    [() => shouldParallelize(2.5), "RangeError", /'taskCount'.*2\.5/],
    [() => shouldParallelize(10, { workEstimateMs: -1 }), "RangeError", /'workEstimateMs'.*-1/],
    [() => shouldParallelize(10, { workEstimateMs: NaN }), "RangeError", /'workEstimateMs'.*NaN/],
    [
      () => shouldParallelize(10, { workload: "gpu" as "cpu" }),
      "TypeError",
      /^Cannot decide on parallelism as 'workload' must be one of "cpu", "compile", "io": current value is "gpu"$/,
    ],
    [
      () => shouldParallelize(10, { environment: "dev" as "ci" }),
      "TypeError",
      /'environment'.*"ci", "local", "production".*"dev"/,
    ],
    [() => optimalWorkers(-3), "RangeError", /'taskCount'.*-3/],
    [
      () => optimalWorkers(10, { cores: 0 }),
      "RangeError",
      /^Cannot size workers as 'cores' must be a positive number: current value is 0$/,
    ],
    [() => optimalWorkers(10, { cores: -2 }), "RangeError", /'cores'.*-2/],
    [() => optimalWorkers(10, { cores: NaN }), "RangeError", /'cores'.*NaN/],
    [() => optimalWorkers(10, { taskWeight: -1 }), "RangeError", /'taskWeight'.*-1/],
    [() => optimalWorkers(10, { taskWeight: NaN }), "RangeError", /'taskWeight'.*NaN/],
    [
      () => optimalWorkers(10, { override: 0 }),
      "RangeError",
      /'override' must be a positive integer: current value is 0/,
    ],
    [() => optimalWorkers(10, { override: 1.5 }), "RangeError", /'override'.*1\.5/],
    [
      () => optimalWorkers(10, { workload: "render" as "cpu" }),
      "TypeError",
      /Cannot size workers as 'workload'.*"render"/,
    ],
    [
      () => optimalWorkers(10, { environment: "prod" as "ci" }),
      "TypeError",
      /'environment'.*"prod"/,
    ],
    [() => queueBound(0), "RangeError", /'workers' must be a positive integer/],
    [() => queueBound(1, { workload: "x" as "io" }), "TypeError", /'workload'/],
  ];
  for (const [fn, name, message] of table) {
    assert.throws(fn, (e: Error) => e.name === name && message.test(e.message), String(message));
  }
});
