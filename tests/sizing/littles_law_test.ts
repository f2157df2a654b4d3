import { test } from "node:test";
import assert from "node:assert/strict";
import { concurrencyForThroughput, workersForWaitRatio } from "../../src/sizing/littles_law.ts";

test("workersForWaitRatio gives the core count for pure CPU work", () => {
  for (const cores of [1, 2, 4, 8, 64]) {
    assert.equal(workersForWaitRatio({ cores, waitMs: 0, computeMs: 25 }), cores);
    // A tiny measured wait must not add a worker.
    assert.equal(workersForWaitRatio({ cores, waitMs: 0.01, computeMs: 25 }), cores);
  }
});

test("workersForWaitRatio is cores × (1 + W/C), rounded and clamped", () => {
  const table: [Parameters<typeof workersForWaitRatio>[0], number][] = [
    [{ cores: 4, waitMs: 10, computeMs: 10 }, 8],
    [{ cores: 4, waitMs: 30, computeMs: 10 }, 16],
    [{ cores: 8, waitMs: 5, computeMs: 20 }, 10],
    [{ cores: 1.5, waitMs: 0, computeMs: 1 }, 2], // fractional cgroup quota
    [{ cores: 4, waitMs: 300, computeMs: 1, max: 32 }, 32],
    [{ cores: 0.2, waitMs: 0, computeMs: 1 }, 1], // default min 1
    [{ cores: 2, waitMs: 0, computeMs: 1, min: 3 }, 3],
  ];
  for (const [options, expected] of table) {
    assert.equal(workersForWaitRatio(options), expected, JSON.stringify(options));
  }
});

test("concurrencyForThroughput is Little's law L = λW, rounded up and clamped", () => {
  const table: [Parameters<typeof concurrencyForThroughput>[0], number][] = [
    [{ throughputPerSec: 500, latencyMs: 80 }, 40],
    [{ throughputPerSec: 100, latencyMs: 50 }, 5],
    [{ throughputPerSec: 10, latencyMs: 250 }, 3], // 2.5 in flight needs 3 slots
    [{ throughputPerSec: 0.1, latencyMs: 30_000 }, 3], // float noise does not add a slot
    [{ throughputPerSec: 0, latencyMs: 100 }, 1], // default min 1
    [{ throughputPerSec: 10_000, latencyMs: 100, max: 256 }, 256],
    [{ throughputPerSec: 1, latencyMs: 1, min: 4 }, 4],
  ];
  for (const [options, expected] of table) {
    assert.equal(concurrencyForThroughput(options), expected, JSON.stringify(options));
  }
});

test("Little's-law sizing rejects bad options with a RangeError naming the option", () => {
  const w = { cores: 4, waitMs: 1, computeMs: 1 };
  const c = { throughputPerSec: 10, latencyMs: 10 };
  const table: [() => unknown, RegExp][] = [
    [
      () => workersForWaitRatio({ ...w, cores: 0 }),
      /'cores' must be a positive number: current value is 0/,
    ],
    [() => workersForWaitRatio({ ...w, cores: NaN }), /'cores'.*NaN/],
    [
      () => workersForWaitRatio({ ...w, waitMs: -1 }),
      /'waitMs' must be a finite number >= 0: current value is -1/,
    ],
    [() => workersForWaitRatio({ ...w, computeMs: 0 }), /'computeMs' must be a positive number/],
    [() => workersForWaitRatio({ ...w, computeMs: Infinity }), /'computeMs'.*Infinity/],
    [() => workersForWaitRatio({ ...w, min: 0 }), /'min' must be a positive integer/],
    [
      () => workersForWaitRatio({ ...w, min: 4, max: 2 }),
      /'max' must be an integer >= 4: current value is 2/,
    ],
    [() => concurrencyForThroughput({ ...c, throughputPerSec: -5 }), /'throughputPerSec'.*-5/],
    [() => concurrencyForThroughput({ ...c, latencyMs: NaN }), /'latencyMs'.*NaN/],
    [() => concurrencyForThroughput({ ...c, max: 1.5 }), /'max'.*1\.5/],
  ];
  for (const [fn, message] of table) {
    assert.throws(
      fn,
      (e: Error) => e.name === "RangeError" && message.test(e.message),
      String(message),
    );
  }
});
