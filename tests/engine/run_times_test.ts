import { test } from "node:test";
import assert from "node:assert/strict";
import { RunTimes } from "../../src/engine/run_times.ts";

test("RunTimes keeps one mean per task name, -1 for a name never measured", () => {
  const times = new RunTimes();
  assert.equal(times.mean("render"), -1);
  times.record("render", 10, 1);
  times.record("countPrimes", 2, 40);
  assert.equal(times.mean("render"), 0.1);
  assert.equal(times.mean("countPrimes"), 20);
  times.record("countPrimes", 1, 10); // weighted towards the latest batch: 20 × 0.8 + 10 × 0.2
  assert.equal(times.mean("countPrimes"), 18);
  times.record("countPrimes", 0, 0); // nothing measured changes nothing
  assert.equal(times.mean("countPrimes"), 18);
});

test("RunTimes takes names of Object.prototype members as plain names", () => {
  const times = new RunTimes();
  for (const name of ["__proto__", "constructor", "toString"]) assert.equal(times.mean(name), -1);
  times.record("__proto__", 1, 3);
  assert.equal(times.mean("__proto__"), 3);
  assert.equal(times.mean("constructor"), -1);
});
