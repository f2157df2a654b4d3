// Fault paths of the pool, with real workers: tasks that throw, workers that die, values that
// cannot be cloned, modules that do not load. Cancellation is in pool_cancel_test.ts, closing in
// pool_close_test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, TaskError, WorkerCrashedError } from "../../mod.ts";
import type { Pool } from "../../mod.ts";
import {
  openGate,
  pool,
  rejection,
  sharedInts,
  type Tasks,
  tasksUrl,
  within,
} from "../fixtures/pool_helpers.ts";

// ——— task errors ———

test("a task that throws rejects with TaskError carrying its name, message, stack and code, and the worker stays alive", async () => {
  const p = pool();
  const exited: string[] = [];
  p.on("workerExited", (e) => exited.push(e.reason));
  try {
    const before = await p.run("threadId", undefined);
    const e = await rejection(p.run("fail", "bad page"));
    assert.ok(e instanceof TaskError);
    assert.equal(e.name, "RangeError");
    assert.equal(e.message, "bad page");
    assert.equal(e.code, "E_TASK");
    assert.equal(e.task, "fail");
    // tasks.js where the suite runs transpiled, on Node (scripts/node_suite.mjs).
    assert.match(e.stack ?? "", /at fail .*tasks\.[jt]s/);

    const later = await rejection(p.run("failLater", "async bad"));
    assert.ok(later instanceof TaskError);
    assert.equal(later.name, "SyntaxError");
    assert.equal(later.message, "async bad");

    assert.equal(await p.run("threadId", undefined), before);
    assert.match(before, /^workloom-/);
    assert.deepEqual(exited, []);
  } finally {
    await p.closeNow();
  }
});

// ——— workers that die ———

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Runs `task`, which ends its worker, and checks its call fails and a new worker takes over. */
async function assertCrashReplaced(
  p: Pool<Tasks>,
  task: "exitViaProcessExit" | "exitViaClose",
): Promise<void> {
  const exited: number[] = [];
  p.on("workerExited", (e) => exited.push(e.workerId));
  const first = await p.run("threadId", undefined);
  const e = await within(rejection(p.run(task, undefined)), 10_000, "the crashed call");
  assert.ok(e instanceof WorkerCrashedError, String(e));
  assert.equal(e.task, task);
  assert.deepEqual(exited, [1]);
  const second = await p.run("threadId", undefined);
  assert.notEqual(second, first);
  assert.deepEqual(await Promise.all([1, 2, 3].map((i) => p.run("add", { a: i, b: 1 }))), [
    2,
    3,
    4,
  ]);
}

test("a worker that ends itself with process.exit() rejects its task with WorkerCrashedError and is replaced", async () => {
  const p = pool();
  try {
    await assertCrashReplaced(p, "exitViaProcessExit");
  } finally {
    await p.closeNow();
  }
});

test("a worker that ends itself with self.close() rejects its task with WorkerCrashedError and is replaced, where workers have self.close()", async () => {
  const p = pool();
  try {
    const hasClose = await p.run("hasSelfClose", undefined);
    if (!isDeno) {
      // Bun's workers and Node's worker threads have no self.close(): nothing to test here but
      // that, said out loud rather than skipped; process.exit() is the test above. The task
      // throws instead of exiting.
      assert.equal(hasClose, false, "these workers now have self.close(): test it like Deno's");
      const e = await rejection(p.run("exitViaClose", undefined));
      assert.ok(e instanceof TaskError, String(e));
      assert.match(e.message, /no self\.close\(\)/);
      return;
    }
    assert.equal(hasClose, true, "Deno's workers have self.close()");
    await assertCrashReplaced(p, "exitViaClose");
  } finally {
    await p.closeNow();
  }
});

test("a quick task's result is sent before a long synchronous task behind it in the same worker starts", async () => {
  const p = pool();
  const gate = sharedInts(2);
  try {
    // Measured task time makes the pool prefetch: both calls below go to the worker in one message.
    await Promise.all(Array.from({ length: 200 }, (_, i) => p.run("echo", i)));
    // The long task blocks its worker until the test opens the gate: no bet on how long it runs.
    const quick = p.run("echo", "quick");
    const blocked = p.run("blockUntilOpened", gate);
    const inFlightWhenQuickResolved = await within(
      quick.then(() => p.stats().inFlight),
      10_000,
      "the quick task",
    );
    assert.equal(inFlightWhenQuickResolved, 1, "the quick result arrived while the long task ran");
    openGate(gate);
    assert.equal(await within(blocked, 10_000, "the long task"), "opened");
  } finally {
    openGate(gate);
    await p.closeNow();
  }
});

test("a worker that exits in the middle of a batch loses none of the results it finished before, and runs no task twice", async () => {
  const p = pool();
  try {
    // Measured task time makes the pool prefetch: the whole burst below goes to the worker in one
    // message, so the tasks before the exit finish in the same turn as the exit, and the tasks
    // after it reach the worker that is about to die. Prefetch follows the name at the head of
    // the queue, so the name measured is the burst's first.
    const warm = sharedInts(1);
    await Promise.all(
      Array.from({ length: 200 }, () => p.run("countRun", { runs: warm, index: 0 })),
    );
    const queued: number[] = [];
    p.on("taskQueued", (e) => queued.push(e.id));
    const sentTo = new Map<number, number[]>();
    p.on("taskStarted", (e) => sentTo.set(e.id, [...(sentTo.get(e.id) ?? []), e.workerId]));
    const runs = sharedInts(20);
    const count = (index: number) => p.run("countRun", { runs, index });
    const before = Array.from({ length: 10 }, (_, i) => count(i));
    const exit = p.run("exitViaProcessExit", undefined);
    const after = Array.from({ length: 10 }, (_, i) => count(10 + i));
    assert.ok(
      (await within(rejection(exit), 10_000, "the crashed call")) instanceof WorkerCrashedError,
    );
    assert.deepEqual(
      await within(Promise.all([...before, ...after]), 10_000, "the counted tasks"),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(queued.length, 21);
    const dying = sentTo.get(queued[10])?.[0];
    assert.ok(dying !== undefined, "the exiting task was sent to a worker");
    for (const id of queued.slice(11)) {
      const workers = sentTo.get(id) ?? [];
      assert.equal(workers[0], dying, `task ${id} was first sent to the dying worker`);
      assert.notEqual(workers.at(-1), dying, `task ${id} was sent again to its replacement`);
    }
    assert.deepEqual(Array.from(runs), new Array(20).fill(1), "runs of each task, by input");
  } finally {
    await p.closeNow();
  }
});

test("with retries: 1 a task whose worker crashes on the first attempt resolves on the second", async () => {
  const p = pool();
  const exited: number[] = [];
  p.on("workerExited", (e) => exited.push(e.workerId));
  try {
    const attempts = sharedInts();
    assert.equal(
      await within(p.run("crashOnce", attempts, { retries: 1 }), 10_000, "the retried call"),
      "attempt 2",
    );
    assert.equal(Atomics.load(attempts, 0), 2);
    assert.deepEqual(exited, [1]);

    // Without retries the same crash is the caller's to see.
    const again = sharedInts();
    assert.ok((await rejection(p.run("crashOnce", again))) instanceof WorkerCrashedError);
    assert.equal(Atomics.load(again, 0), 1);
  } finally {
    await p.closeNow();
  }
});

test("an uncaught error at a worker's top level crashes only its task: 50 queued tasks each run and finish exactly once", async () => {
  const p = pool({ maxWorkers: 2, minWorkers: 2 });
  const exited: number[] = [];
  p.on("workerExited", (e) => exited.push(e.workerId));
  // A promise settles once whatever happens; what can happen twice is a run in a worker (seen in
  // shared memory) and its report to the pool (seen in taskFinished events).
  const finished = new Map<number, number>();
  p.on("taskFinished", (e) => finished.set(e.id, (finished.get(e.id) ?? 0) + 1));
  try {
    const crash = p.run("crashLater", undefined);
    const runs = sharedInts(50);
    const counted = Array.from({ length: 50 }, (_, index) => p.run("countRun", { runs, index }));
    const e = await within(rejection(crash), 10_000, "the crashed call");
    assert.ok(e instanceof WorkerCrashedError, String(e));
    assert.match(e.message, /uncaught/);
    assert.deepEqual(
      await within(Promise.all(counted), 10_000, "the counted tasks"),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(Array.from(runs), new Array(50).fill(1), "runs of each task, by input");
    assert.equal(finished.size, 50);
    assert.deepEqual([...finished.values()], new Array(50).fill(1), "taskFinished per task");
    assert.equal(exited.length, 1);
    assert.equal(await p.run("echo", "after"), "after");
  } finally {
    await p.closeNow();
  }
});

// ——— data that cannot be cloned ———

class Point {
  constructor(readonly x: number, readonly y: number) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

test("inputs that cannot be cloned reject with a TypeError naming the task, and the pool keeps working", async () => {
  const p = pool();
  try {
    const fn = await rejection(p.run("echo", (() => 1) as unknown as number));
    assert.ok(fn instanceof TypeError);
    assert.match(fn.message, /task 'echo'.*functions cannot be cloned/);

    const instance = await rejection(p.run("echo", new Point(3, 4)));
    assert.ok(instance instanceof TypeError);
    assert.match(instance.message, /task 'echo'.*class Point/);

    // Nested deep enough to pass the call-site check: the hand-off itself fails.
    const nested = await rejection(p.run("echo", { deep: { f: () => 1 } }));
    assert.ok(nested instanceof TypeError);
    assert.equal(nested.name, "DataCloneError");
    assert.match(nested.message, /Cannot send the input of task 'echo'/);

    assert.equal(await p.run("echo", "fine"), "fine");
  } finally {
    await p.closeNow();
  }
});

test("a result that cannot be cloned rejects with an error saying so, and the worker keeps working", async () => {
  const p = pool();
  const exited: number[] = [];
  p.on("workerExited", (e) => exited.push(e.workerId));
  try {
    const first = await p.run("threadId", undefined);
    const batch = [p.run("echo", 1), p.run("returnsFunction", undefined), p.run("echo", 2)];
    const [one, bad, two] = await Promise.allSettled(batch);
    assert.deepEqual(one, { status: "fulfilled", value: 1 });
    assert.deepEqual(two, { status: "fulfilled", value: 2 });
    assert.equal(bad.status, "rejected");
    const e = (bad as PromiseRejectedResult).reason;
    assert.ok(e instanceof TaskError);
    assert.equal(e.task, "returnsFunction");
    assert.match(e.message, /Cannot send the result of the task back to the pool/);
    assert.equal(await p.run("threadId", undefined), first);
    assert.deepEqual(exited, []);
  } finally {
    await p.closeNow();
  }
});

// ——— modules that do not load ———

test("a task module that cannot be loaded rejects every call with 'Cannot load the task module'", async () => {
  const modules = [
    {
      url: new URL("../fixtures/pool_faults/does_not_exist.ts", import.meta.url),
      why: /does_not_exist/,
    },
    {
      url: new URL("../fixtures/pool_faults/throws_at_import.ts", import.meta.url),
      why: /refuses to load/,
    },
  ];
  for (const { url, why } of modules) {
    const p = createPool<Tasks>(url, { maxWorkers: 1, minWorkers: 0, autotune: false });
    try {
      // Queued ones fail with the one that was sent, and a later call fails the same way
      // (with a fresh worker) rather than hanging.
      const calls = [p.run("echo", 1), p.run("echo", 2)];
      calls.push(rejection(Promise.all(calls)).then(() => p.run("echo", 3)));
      for (const call of calls) {
        const e = await within(rejection(call), 10_000, `a call to ${url.pathname}`);
        assert.match(e.message, /^Cannot load the task module /);
        assert.ok(e.message.includes(url.href), e.message);
        assert.match(e.message, why);
      }
    } finally {
      await p.closeNow();
    }
  }
});

test("an unknown task name rejects with a TypeError listing the module's exports", async () => {
  const p = createPool(tasksUrl, { maxWorkers: 1, minWorkers: 1, autotune: false });
  try {
    const e = await rejection(p.run("nope", 1));
    assert.ok(e instanceof TaskError);
    assert.equal(e.name, "TypeError");
    assert.match(e.message, /Cannot run task 'nope'/);
    assert.match(e.message, /echo/);
    assert.match(e.message, /cooperativeLoop/);
    assert.equal(await p.run("echo", "ok"), "ok");
  } finally {
    await p.closeNow();
  }
});
