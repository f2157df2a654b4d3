import { test } from "node:test";
import assert from "node:assert/strict";
import { shouldParallelize, type ShouldParallelizeOptions } from "../../src/sizing/sizing.ts";

test("shouldParallelize decides on the estimated work alone when it is given", () => {
  const table: [number, ShouldParallelizeOptions, boolean][] = [
    [4, { workEstimateMs: 400 }, true], // 4 heavy tasks: worth the workers
    [1, { workEstimateMs: 10 }, true],
    [4, { workEstimateMs: 5 }, false],
    [100, { workEstimateMs: 0.5 }, false],
    [3, { workload: "io", workEstimateMs: 2 }, true],
    [0, { workEstimateMs: 100 }, false], // nothing to run
    [4, {}, false], // no estimate: the count decides, as in the seed
  ];
  for (const [count, options, expected] of table) {
    assert.equal(
      shouldParallelize(count, options),
      expected,
      `${count} ${JSON.stringify(options)}`,
    );
  }
});
