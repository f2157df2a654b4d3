import { test } from "node:test";
import assert from "node:assert/strict";
import { ENVIRONMENTS, getProfile, WORKLOADS } from "../../src/sizing/profiles.ts";

test("the cpu profile keeps the seed's render threshold of 10 tasks and its local cap of 4", () => {
  const p = getProfile("cpu", "local");
  assert.equal(p.parallelThreshold, 10);
  assert.equal(p.maxWorkers, 4);
});

test("worker caps follow the seed: CI 2, local 4, production 8 for cpu work", () => {
  const table: [string, number][] = [["ci", 2], ["local", 4], ["production", 8]];
  for (const [env, max] of table) {
    assert.equal(getProfile("cpu", env as "ci").maxWorkers, max, env);
  }
});

test("compile allows fewer workers than cpu in every environment, like the seed", () => {
  for (const env of ENVIRONMENTS) {
    assert.ok(getProfile("compile", env).maxWorkers < getProfile("cpu", env).maxWorkers, env);
    assert.ok(
      getProfile("compile", env).parallelThreshold > getProfile("cpu", env).parallelThreshold,
    );
  }
});

test("io parallelises sooner and gets its concurrency from in-flight tasks, not workers", () => {
  for (const env of ENVIRONMENTS) {
    const io = getProfile("io", env);
    assert.ok(io.parallelThreshold < getProfile("cpu", env).parallelThreshold, env);
    assert.ok(io.concurrencyPerWorker > 1, env);
  }
  assert.equal(getProfile("io", "local").concurrencyPerWorker, 64);
});

test("cpu and compile run one task per worker", () => {
  for (const workload of ["cpu", "compile"] as const) {
    for (const env of ENVIRONMENTS) assert.equal(getProfile(workload, env).concurrencyPerWorker, 1);
  }
});

test("every profile is internally consistent", () => {
  for (const workload of WORKLOADS) {
    for (const env of ENVIRONMENTS) {
      const p = getProfile(workload, env);
      const where = `${workload}/${env}`;
      assert.ok(Number.isInteger(p.minWorkers) && p.minWorkers >= 1, where);
      assert.ok(Number.isInteger(p.maxWorkers) && p.maxWorkers >= p.minWorkers, where);
      assert.ok(p.cpuFraction > 0 && p.cpuFraction <= 1, where);
      assert.ok(Number.isInteger(p.parallelThreshold) && p.parallelThreshold >= 1, where);
      assert.ok(Number.isInteger(p.concurrencyPerWorker) && p.concurrencyPerWorker >= 1, where);
      assert.ok(Number.isInteger(p.queuePerWorker) && p.queuePerWorker >= 1, where);
      assert.ok(p.minWorkEstimate > 0, where);
    }
  }
});

test("CI is never more generous than local, and local never more than production", () => {
  for (const workload of WORKLOADS) {
    const [ci, local, prod] = ENVIRONMENTS.map((env) => getProfile(workload, env));
    assert.ok(ci.maxWorkers <= local.maxWorkers && local.maxWorkers <= prod.maxWorkers, workload);
    assert.ok(ci.parallelThreshold >= local.parallelThreshold, workload);
    assert.ok(ci.cpuFraction <= local.cpuFraction && local.cpuFraction <= prod.cpuFraction);
  }
});

test("getProfile defaults the environment to local", () => {
  assert.equal(getProfile("io"), getProfile("io", "local"));
});

test("profiles are frozen and shared", () => {
  const p = getProfile("cpu", "production");
  assert.ok(Object.isFrozen(p));
  assert.equal(p, getProfile("cpu", "production"));
  assert.throws(() => {
    (p as { maxWorkers: number }).maxWorkers = 99;
  }, TypeError);
  assert.ok(Object.isFrozen(WORKLOADS) && Object.isFrozen(ENVIRONMENTS));
});

test("WORKLOADS and ENVIRONMENTS list every allowed value", () => {
  assert.deepEqual([...WORKLOADS], ["cpu", "compile", "io"]);
  assert.deepEqual([...ENVIRONMENTS], ["ci", "local", "production", "browser"]);
});

test("getProfile rejects an unknown workload or environment with a TypeError naming the allowed values", () => {
  assert.throws(() => getProfile("gpu" as "cpu", "local"), {
    name: "TypeError",
    message:
      `Cannot get profile as 'workload' must be one of "cpu", "compile", "io": current value is "gpu"`,
  });
  assert.throws(() => getProfile("cpu", "staging" as "ci"), {
    name: "TypeError",
    message:
      `Cannot get profile as 'environment' must be one of "ci", "local", "production", "browser": current value is "staging"`,
  });
});
