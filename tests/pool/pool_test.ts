import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, PoolClosedError, QueueFullError } from "../../mod.ts";
import type { PoolOptions } from "../../mod.ts";
import { openGate, sharedInts, timersDueWithin, until, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/tasks.ts");
const tasksUrl = new URL("../fixtures/tasks.ts", import.meta.url);
const pool = (options: PoolOptions = {}) =>
  createPool<Tasks>(tasksUrl, { maxWorkers: 2, autotune: false, ...options });

test("run() resolves with the task's result, for sync and async tasks", async () => {
  const p = pool();
  try {
    assert.equal(await p.run("add", { a: 2, b: 3 }), 5);
    assert.equal(await p.run("sleep", 5), 5);
    assert.deepEqual(await p.run("echo", { nested: [1, "two", { three: 3n }] }), {
      nested: [1, "two", { three: 3n }],
    });
  } finally {
    await p.closeNow();
  }
});

test("workers start lazily: none before the first task, at most maxWorkers after a burst", async () => {
  const p = pool({ minWorkers: 0, maxWorkers: 2 });
  const spawned: number[] = [];
  p.on("workerSpawned", (e) => spawned.push(e.workerId));
  try {
    assert.equal(p.workerCount, 0);
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.run("spin", 2 + (i % 2))));
    assert.equal(spawned.length, 2);
    assert.equal(p.workerCount, 2);
  } finally {
    await p.closeNow();
  }
});

test("idle workers retire after idleTimeoutMs down to minWorkers", async () => {
  const p = pool({ minWorkers: 1, maxWorkers: 2, idleTimeoutMs: 50 });
  const exited: string[] = [];
  p.on("workerExited", (e) => exited.push(e.reason));
  try {
    // Tasks that hold their workers until two of them run at once make the pool grow to two
    // workers (a burst of short spins may all fit on the first one before the second starts).
    // Three: a worker takes one to run and one to wait behind it.
    const gates = [sharedInts(2), sharedInts(2), sharedInts(2)];
    const held = gates.map((gate) => p.run("blockUntilOpened", gate));
    const running = () => gates.filter((g) => Atomics.load(g, 1) === 1).length;
    await until(() => running() === 2, "two tasks running at once");
    assert.equal(p.workerCount, 2);
    for (const gate of gates) openGate(gate);
    assert.deepEqual(await Promise.all(held), ["opened", "opened", "opened"]);
    // Counted by the listener above, not awaited as the next event: on a loaded machine the 50 ms
    // can pass before the results are read, and the event would be missed.
    await until(() => exited.length === 1, "an idle worker retiring", 10_000);
    assert.equal(p.workerCount, 1);
    // The last worker's idle timer, if it had one, is due before this fence: it stays.
    await timersDueWithin(200);
    assert.equal(p.workerCount, 1);
    assert.deepEqual(exited, ["idle for 50 ms"]);
  } finally {
    await p.closeNow();
  }
});

test("lower priority numbers run first and FIFO holds within a priority", async () => {
  const p = pool({ maxWorkers: 1, minWorkers: 1 });
  const gate = sharedInts(2);
  try {
    await p.run("echo", 0); // worker started and measured
    const order: string[] = [];
    const blocker = p.run("blockUntilOpened", gate);
    // The blocker holds the worker, so the calls below queue in the pool until it is released.
    await until(() => Atomics.load(gate, 1) === 1, "the blocker running");
    const calls: [string, number][] = [
      ["low-1", 5],
      ["high-1", 0],
      ["low-2", 5],
      ["high-2", 0],
      ["urgent", -10],
    ];
    const done = calls.map(([id, priority]) =>
      p.run("echo", id, { priority }).then((v) => order.push(v as string))
    );
    openGate(gate);
    await within(Promise.all([blocker, ...done]), 10_000, "the queued calls");
    assert.deepEqual(order, ["urgent", "high-1", "high-2", "low-1", "low-2"]);
  } finally {
    openGate(gate);
    await p.closeNow();
  }
});

test("run() rejects at once with QueueFullError when the bounded queue is full", async () => {
  const p = pool({ maxWorkers: 1, maxQueue: 3 });
  try {
    const accepted = Array.from({ length: 3 }, (_, i) => p.run("echo", i));
    await assert.rejects(p.run("echo", 99), (e: unknown) => {
      assert.ok(e instanceof QueueFullError);
      assert.equal(e.maxQueue, 3);
      assert.match(e.message, /queue is full: 3 tasks/);
      return true;
    });
    assert.deepEqual(await Promise.all(accepted), [0, 1, 2]);
  } finally {
    await p.closeNow();
  }
});

test("onFull: 'wait' makes run() wait for room instead of rejecting", async () => {
  const p = pool({ maxWorkers: 1, maxQueue: 2, onFull: "wait" });
  try {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => p.run("echo", i)));
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i));
  } finally {
    await p.closeNow();
  }
});

// Bun's default per-test timeout is 5 s, and a loaded machine takes longer than that.
test("a million submissions through whenRoom() keep the queue within maxQueue", {
  timeout: 60_000,
}, async () => {
  const p = pool({ maxQueue: 1000 });
  const total = 1_000_000;
  let done = 0;
  let maxSeen = 0;
  let sum = 0;
  try {
    for (let i = 0; i < total; i++) {
      if (p.queueSize >= 1000) await p.whenRoom();
      maxSeen = Math.max(maxSeen, p.queueSize);
      p.run("echo", i).then((v) => {
        sum += v as number;
        done++;
      });
    }
    await p.close();
    assert.equal(done, total);
    assert.equal(sum, (total * (total - 1)) / 2);
    assert.ok(maxSeen <= 1000, `queue reached ${maxSeen}`);
  } finally {
    await p.closeNow();
  }
});

test("concurrency lets one worker hold several async tasks at once", async () => {
  const p = pool({ maxWorkers: 1, concurrency: 20 });
  try {
    // Each gather task finishes only once all twenty run at the same time: one at a time, they
    // would never finish.
    const state = sharedInts();
    const results = await within(
      Promise.all(Array.from({ length: 20 }, () => p.run("gather", { state, n: 20 }))),
      10_000,
      "twenty tasks running at once",
    );
    assert.equal(results.length, 20);
    assert.equal(p.workerCount, 1);
  } finally {
    await p.closeNow();
  }
});

test("progress values reach onProgress in order and before the result", async () => {
  const p = pool();
  try {
    const seen: unknown[] = [];
    const result = await p.run("withProgress", 50, {
      onProgress: (v) => seen.push(v),
    }).then((r) => {
      seen.push("result");
      return r;
    });
    assert.equal(result, 50);
    assert.deepEqual(seen, [...Array.from({ length: 50 }, (_, i) => i + 1), "result"]);
  } finally {
    await p.closeNow();
  }
});

test("transfer hands an ArrayBuffer to the worker without copying it", async () => {
  const p = pool();
  try {
    const buf = new ArrayBuffer(1 << 20);
    assert.equal(await p.run("byteLength", buf, { transfer: [buf] }), 1 << 20);
    assert.equal(buf.byteLength, 0); // detached: it moved
  } finally {
    await p.closeNow();
  }
});

test("maxTasksPerWorker recycles workers without losing or repeating a task", async () => {
  const p = pool({ maxWorkers: 1, maxTasksPerWorker: 10 });
  const exits: string[] = [];
  p.on("workerExited", (e) => exits.push(e.reason));
  try {
    // Counted in shared memory: a task repeated by a recycled worker would still settle once.
    const runs = sharedInts(35);
    const results = await Promise.all(
      Array.from({ length: 35 }, (_, index) => p.run("countRun", { runs, index })),
    );
    assert.deepEqual(results, Array.from({ length: 35 }, (_, i) => i));
    assert.deepEqual(Array.from(runs), new Array(35).fill(1), "runs of each task, by input");
    const threads = new Set(
      await Promise.all(Array.from({ length: 5 }, () => p.run("threadId", undefined))),
    );
    assert.ok(exits.length >= 3, exits.join());
    assert.ok(exits.every((r) => r.startsWith("recycled after 10 tasks")), exits.join());
    assert.equal(threads.size, 1);
  } finally {
    await p.closeNow();
  }
});

test("mode 'inline' runs tasks on the calling thread with the same API", async () => {
  const p = pool({ mode: "inline" });
  try {
    assert.equal(await p.run("threadId", undefined), "main");
    assert.equal(await p.run("add", { a: 1, b: 1 }), 2);
    await assert.rejects(p.run("fail", "inline failure"), {
      name: "RangeError",
      message: "inline failure",
    });
    const seen: unknown[] = [];
    await p.run("withProgress", 3, { onProgress: (v) => seen.push(v) });
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(p.workerCount, 0);
  } finally {
    await p.closeNow();
  }
});

test("events report queued, started, finished and failed tasks and worker lifecycle", async () => {
  const p = pool({ maxWorkers: 1, minWorkers: 0 });
  const log: string[] = [];
  p.on("taskQueued", (e) => log.push(`queued ${e.name}`));
  p.on("taskStarted", (e) => log.push(`started ${e.name}`));
  p.on("taskFinished", (e) => log.push(`finished ${e.name}`));
  p.on("taskFailed", (e) => log.push(`failed ${e.name}`));
  p.on("workerSpawned", () => log.push("spawned"));
  p.on("workerExited", () => log.push("exited"));
  try {
    await p.run("echo", 1);
    await p.run("fail", "x").catch(() => {});
  } finally {
    await p.close();
  }
  assert.deepEqual(log, [
    "queued echo",
    "spawned",
    "started echo",
    "finished echo",
    "queued fail",
    "started fail",
    "failed fail",
    "exited",
  ]);
});

test("run() after close() rejects with PoolClosedError", async () => {
  const p = pool();
  await p.run("echo", 1);
  await p.close();
  await assert.rejects(p.run("echo", 2), PoolClosedError);
});

test("createPool validates options and names the bad one", () => {
  const cases: [PoolOptions, RegExp][] = [
    [{ maxWorkers: 0 }, /'maxWorkers' must be a positive integer: current value is 0/],
    [
      { maxWorkers: 2, minWorkers: 3 },
      /'minWorkers' must be <= 'maxWorkers' \(2\): current value is 3/,
    ],
    [{ concurrency: -1 }, /'concurrency' must be an integer from 1 to 2048: current value is -1/],
    [{ maxQueue: NaN }, /'maxQueue' must be a positive integer: current value is NaN/],
    [
      { workload: "gpu" as "cpu" },
      /'workload' must be one of "cpu", "compile", "io": current value is "gpu"/,
    ],
    [
      { environment: "staging" as "ci" },
      /'environment' must be one of "ci", "local", "production"/,
    ],
    [{ onFull: "drop" as "wait" }, /'onFull' must be one of "reject", "wait"/],
    [{ mode: "threads" as "inline" }, /'mode' must be one of "workers", "inline"/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => createPool(tasksUrl, options), message, JSON.stringify(options));
  }
  assert.throws(() => createPool("./tasks.ts"), /'module' must be an absolute URL/);
});

test("run() validates per-call options and names the task", async () => {
  const p = pool();
  try {
    await assert.rejects(
      p.run("echo", 1, { timeoutMs: 0 }),
      /Cannot run task 'echo' as 'timeoutMs' must be a positive integer/,
    );
    await assert.rejects(p.run("echo", 1, { retries: -1 }), /'retries' must be an integer >= 0/);
    await assert.rejects(p.run("echo", 1, { priority: NaN }), /'priority' must be a finite number/);
  } finally {
    await p.closeNow();
  }
});

test("an autotuned pool gives the controller its worker bounds, its lane pins and 1,024 per worker", async () => {
  const { poolControllerOptions, resolvePoolOptions } = await import(
    "../../src/engine/pool_options.ts"
  );
  const o = poolControllerOptions(
    resolvePoolOptions({ minWorkers: 0, maxWorkers: 3, lanes: { fetch: "async" } }),
  );
  assert.deepEqual(o, {
    minWorkers: 1,
    maxWorkers: 3,
    maxConcurrency: 1024,
    pinnedLanes: { fetch: "async" },
  });
  const mine = poolControllerOptions(resolvePoolOptions({ autotune: { maxConcurrency: 64 } }));
  assert.equal(mine.maxConcurrency, 64, "the user's controller options win");
});

test("resize() retires surplus workers and the pool keeps serving at the new size", async () => {
  const p = pool({ minWorkers: 0, maxWorkers: 3 });
  const exits: string[] = [];
  p.on("workerExited", (e) => exits.push(e.reason));
  try {
    await Promise.all(Array.from({ length: 30 }, () => p.run("spin", 2)));
    assert.equal(p.workerCount, 3);
    p.resize(1);
    await p.run("echo", 0);
    assert.equal(p.workerCount, 1);
    assert.deepEqual(exits, ["the pool shrank", "the pool shrank"]);
    assert.deepEqual(await Promise.all(Array.from({ length: 5 }, (_, i) => p.run("echo", i))), [
      0,
      1,
      2,
      3,
      4,
    ]);
  } finally {
    await p.closeNow();
  }
});
