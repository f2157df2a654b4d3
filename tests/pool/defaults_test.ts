// The README's table of pool defaults, held to its words: each default is computed here from the
// public sizing functions and compared with what a pool created without that option runs with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, optimalWorkers, planWorkers } from "../../mod.ts";
import { detectCores } from "../../src/machine/cores.ts";
import { detectEnvironment } from "../../src/machine/environment.ts";
import { ENVIRONMENTS, WORKLOADS } from "../../src/sizing/profiles.ts";
import { queueBound } from "../../src/sizing/sizing.ts";
import type { PoolEventMap } from "../../mod.ts";
import { until } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/promise_tasks.ts");
const tasksUrl = new URL("../fixtures/promise_tasks.ts", import.meta.url);
const cores = detectCores().effective;

// Options are resolved when the pool is created; no worker starts until a task comes, but close
// each pool all the same.
function optionsOf(options: Parameters<typeof createPool>[1]) {
  const pool = createPool<Tasks>(tasksUrl, options);
  const resolved = pool.options;
  pool.closeNow();
  return resolved;
}

test("a pool with no options runs the profile for the detected environment on the effective cores", () => {
  const o = optionsOf({});
  assert.equal(o.workload, "cpu");
  assert.equal(o.environment, detectEnvironment().name);
  assert.equal(o.cores, cores);
  const want = optimalWorkers(Number.POSITIVE_INFINITY, {
    workload: "cpu",
    environment: o.environment,
    cores,
  });
  assert.equal(o.maxWorkers, want);
});

for (const workload of WORKLOADS) {
  for (const environment of ENVIRONMENTS) {
    test(`maxWorkers defaults to optimalWorkers() for the ${workload} profile in ${environment}, and sizeReason names the deciding limit`, () => {
      const o = optionsOf({ workload, environment });
      const plan = planWorkers(Number.POSITIVE_INFINITY, { workload, environment, cores });
      assert.equal(
        o.maxWorkers,
        optimalWorkers(Number.POSITIVE_INFINITY, { workload, environment, cores }),
      );
      assert.equal(o.maxWorkers, plan.workers);
      assert.ok(o.sizeReason.includes(plan.limitedBy), o.sizeReason);
      assert.ok(o.sizeReason.includes(`${cores} effective cores`), o.sizeReason);
      assert.ok(o.sizeReason.includes(workload) && o.sizeReason.includes(environment));
    });

    test(`minWorkers defaults to 0 (an idle pool lets the process exit) for the ${workload} profile in ${environment}, and maxQueue to max(its queue bound, 4096)`, () => {
      const o = optionsOf({ workload, environment });
      assert.equal(o.minWorkers, 0);
      assert.equal(
        o.maxQueue,
        Math.max(queueBound(o.maxWorkers, { workload, environment }), 4096),
      );
    });
  }
}

test("maxQueue defaults to the profile's queue bound when that is above 4096", () => {
  // 32 workers × 1 task × 256 per slot = 8192 for the cpu profile: the bound, not the floor, wins.
  const o = optionsOf({ maxWorkers: 32, environment: "local" });
  assert.equal(queueBound(32, { workload: "cpu", environment: "local" }), 8192);
  assert.equal(o.maxQueue, 8192);
  assert.equal(o.sizeReason, "maxWorkers option");
});

test("idleTimeoutMs defaults to 5000", () => {
  assert.equal(optionsOf({}).idleTimeoutMs, 5000);
  assert.equal(optionsOf({ maxWorkers: 2 }).idleTimeoutMs, 5000);
});

test("an idle worker above minWorkers retires after idleTimeoutMs, and the pool keeps minWorkers", async () => {
  const pool = createPool<Tasks>(tasksUrl, {
    maxWorkers: 2,
    minWorkers: 1,
    idleTimeoutMs: 30,
    autotune: false,
  });
  try {
    const exited: PoolEventMap["workerExited"][] = [];
    pool.on("workerExited", (e) => exited.push(e));
    let spawned = 0;
    pool.on("workerSpawned", () => spawned++);
    // A burst larger than one worker takes starts the second worker.
    const gauge = new Int32Array(new SharedArrayBuffer(8));
    await Promise.all(Array.from({ length: 4 }, () => pool.run("nap", { gauge, ms: 5 })));
    assert.equal(spawned, 2);
    // Due 30 ms after the burst: 2 s is ample on a loaded machine, and a worker that never
    // retires fails here in 2 s rather than the default 10.
    await until(() => exited.length > 0, "an idle worker retiring", 2_000);
    assert.equal(exited.length, 1);
    assert.match(exited[0].reason, /idle/);
    assert.equal(pool.workerCount, 1);
    // The one kept still runs tasks.
    assert.equal(await pool.run("inc", 1), 2);
  } finally {
    await pool.close();
  }
});
