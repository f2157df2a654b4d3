import { test } from "node:test";
import assert from "node:assert/strict";
import { assertInteger, assertNumber, assertOneOf } from "../src/validate.ts";

test("assertInteger names the option, the rule and the value", () => {
  assert.throws(() => assertInteger("create pool", "maxWorkers", 0, { min: 1 }), {
    name: "RangeError",
    message: "Cannot create pool as 'maxWorkers' must be a positive integer: current value is 0",
  });
  assert.throws(() => assertInteger("x", "n", 1.5), /an integer >= 0: current value is 1.5/);
  assert.throws(() => assertInteger("x", "n", 9, { min: 1, max: 8 }), /from 1 to 8/);
  assert.throws(() => assertInteger("x", "n", "3"), /current value is "3"/);
  assertInteger("x", "n", 3, { min: 1 });
});

test("assertNumber rejects NaN and out-of-range values", () => {
  assert.throws(
    () => assertNumber("x", "f", NaN),
    /'f' must be a finite number: current value is NaN/,
  );
  assert.throws(
    () => assertNumber("x", "f", 2, { min: 0, max: 1 }),
    /from 0 to 1: current value is 2/,
  );
  assertNumber("x", "f", 0.5, { min: 0, max: 1 });
});

test("assertOneOf lists the allowed values in a TypeError", () => {
  assert.throws(() => assertOneOf("x", "workload", "gpu", ["cpu", "io"]), {
    name: "TypeError",
    message: `Cannot x as 'workload' must be one of "cpu", "io": current value is "gpu"`,
  });
  assertOneOf("x", "workload", "io", ["cpu", "io"]);
});
