// Fault paths of the pool, with real workers: tasks that throw, workers that die, timeouts,
// aborts, values that cannot be cloned, modules that do not load, and closing. Runaway tasks are
// bounded (see `runaway` in the fixture): on Deno a thread spinning in a loop outlives
// terminate(), and an unbounded one would keep the test process alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createPool,
  PoolClosedError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
} from "../mod.ts";
import type { Pool, PoolEventMap, PoolEventName, PoolOptions } from "../mod.ts";

type Tasks = typeof import("./fixtures/tasks.ts");
const tasksUrl = new URL("./fixtures/tasks.ts", import.meta.url);

/** A pool of a fixed size: no autotuning, so which worker runs what is predictable. */
function pool(options: PoolOptions = {}): Pool<Tasks> {
  return createPool<Tasks>(tasksUrl, { maxWorkers: 1, minWorkers: 1, autotune: false, ...options });
}

/** Resolves with the next payload of event `name`. */
function nextEvent<K extends PoolEventName>(p: Pool<Tasks>, name: K): Promise<PoolEventMap[K]> {
  return new Promise((resolve) => {
    const off = p.on(name, (payload) => {
      off();
      resolve(payload);
    });
  });
}

/** Polls `check` until it holds; fails after `limitMs` rather than hanging the suite. */
async function until(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const end = performance.now() + limitMs;
  while (!check()) {
    if (performance.now() > end) assert.fail(`${what} did not happen within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Settles like `promise`, or fails if it has not settled within `limitMs`. */
async function within<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    assert.fail(`expected a rejection, got ${String(value)}`);
  } catch (error) {
    assert.ok(error instanceof Error, `expected an Error, got ${String(error)}`);
    return error;
  }
}

/** Int32s in shared memory: how a test sees what happened inside a worker. */
function sharedInts(n = 1): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

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
    assert.match(e.stack ?? "", /at fail .*tasks\.ts/);

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

for (const how of ["exit", "close"] as const) {
  test(`a worker that ends itself (${how}) rejects its task with WorkerCrashedError and is replaced`, async () => {
    const p = pool();
    const exited: number[] = [];
    p.on("workerExited", (e) => exited.push(e.workerId));
    try {
      const first = await p.run("threadId", undefined);
      const e = await within(rejection(p.run("exitWorker", how)), 10_000, "the crashed call");
      assert.ok(e instanceof WorkerCrashedError, String(e));
      assert.equal(e.task, "exitWorker");
      assert.deepEqual(exited, [1]);
      const second = await p.run("threadId", undefined);
      assert.notEqual(second, first);
      assert.deepEqual(await Promise.all([1, 2, 3].map((i) => p.run("add", { a: i, b: 1 }))), [2, 3, 4]);
    } finally {
      await p.closeNow();
    }
  });
}

test("a quick task's result is sent before a long synchronous task behind it in the same worker starts", async () => {
  const p = pool();
  try {
    // Measured task time makes the pool prefetch: both calls below go to the worker in one message.
    await Promise.all(Array.from({ length: 200 }, (_, i) => p.run("echo", i)));
    const quick = p.run("echo", "quick");
    const spin = p.run("spin", 300);
    const inFlightWhenQuickResolved = await quick.then(() => p.stats().inFlight);
    assert.equal(inFlightWhenQuickResolved, 1, "the quick result arrived while the spin still ran");
    assert.ok((await spin) > 0);
  } finally {
    await p.closeNow();
  }
});

test("a worker that exits in the middle of a batch loses none of the results it finished before", async () => {
  const p = pool();
  try {
    // Measured task time makes the pool prefetch: the whole burst below goes to the worker in one
    // message, so the echoes before the exit finish in the same turn as the exit.
    await Promise.all(Array.from({ length: 200 }, (_, i) => p.run("echo", i)));
    const sent = new Set<number>();
    p.on("taskStarted", (e) => sent.add(e.id));
    const before = Array.from({ length: 10 }, (_, i) => p.run("echo", i));
    const exit = p.run("exitWorker", "exit");
    const after = Array.from({ length: 10 }, (_, i) => p.run("echo", 10 + i));
    assert.ok((await within(rejection(exit), 10_000, "the crashed call")) instanceof WorkerCrashedError);
    assert.deepEqual(await within(Promise.all([...before, ...after]), 10_000, "the echoes"), Array.from({ length: 20 }, (_, i) => i));
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
    assert.equal(await within(p.run("crashOnce", attempts, { retries: 1 }), 10_000, "the retried call"), "attempt 2");
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

test("an uncaught error at a worker's top level crashes only its task: 50 queued tasks each resolve exactly once", async () => {
  const p = pool({ maxWorkers: 2, minWorkers: 2 });
  const exited: number[] = [];
  p.on("workerExited", (e) => exited.push(e.workerId));
  const settled = new Map<number, number>();
  try {
    const crash = p.run("crashLater", undefined);
    const echoes = Array.from({ length: 50 }, (_, i) =>
      p.run("echo", i).then((v) => {
        settled.set(i, (settled.get(i) ?? 0) + 1);
        return v;
      }));
    const e = await within(rejection(crash), 10_000, "the crashed call");
    assert.ok(e instanceof WorkerCrashedError, String(e));
    assert.match(e.message, /uncaught/);
    assert.deepEqual(await within(Promise.all(echoes), 10_000, "the echoes"), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(settled.size, 50);
    assert.ok([...settled.values()].every((n) => n === 1));
    assert.equal(exited.length, 1);
    assert.equal(await p.run("echo", "after"), "after");
  } finally {
    await p.closeNow();
  }
});

// ——— timeouts ———

test("a task that ignores its timeout rejects with TimeoutError on time and its worker is replaced", async () => {
  const p = pool({ cancelGraceMs: 100 });
  try {
    const first = await p.run("threadId", undefined);
    const exited = nextEvent(p, "workerExited");
    const t0 = performance.now();
    const e = await rejection(p.run("runaway", 1500, { timeoutMs: 100 }));
    const elapsed = performance.now() - t0;
    assert.ok(e instanceof TimeoutError, String(e));
    assert.equal(e.task, "runaway");
    assert.equal(e.timeoutMs, 100);
    assert.ok(elapsed < 1000, `settled after ${elapsed} ms`);
    const { reason } = await within(exited, 10_000, "workerExited");
    assert.match(reason, /did not stop within 100 ms/);
    const next = await within(p.run("threadId", undefined), 10_000, "a task after the replacement");
    assert.notEqual(next, first);
  } finally {
    await p.closeNow();
  }
});

test("a cooperative loop is stopped by its timeout and keeps its worker", async () => {
  const p = pool({ cancelGraceMs: 100 });
  const exited: number[] = [];
  p.on("workerExited", (e) => exited.push(e.workerId));
  try {
    const first = await p.run("threadId", undefined);
    const state = sharedInts();
    const e = await within(rejection(p.run("stoppableLoop", state, { timeoutMs: 50 })), 10_000, "the loop");
    assert.ok(e instanceof TimeoutError, String(e));
    await until(() => Atomics.load(state, 0) === 2, "the loop seeing shouldStop()");
    // One worker: it can only answer once the loop has returned.
    assert.equal(await within(p.run("threadId", undefined), 10_000, "the next task"), first);
    // Past the grace period: the worker was not killed.
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(exited, []);
    assert.equal(p.stats().inFlight, 0);
  } finally {
    await p.closeNow();
  }
});

test("an async task sees ctx.signal abort with a TimeoutError when its call times out", async () => {
  const p = pool();
  try {
    await p.run("echo", "warm-up"); // the timeout must not expire while the worker starts
    const state = sharedInts(2);
    const e = await rejection(p.run("recordAbort", state, { timeoutMs: 300 }));
    assert.ok(e instanceof TimeoutError);
    assert.equal(Atomics.load(state, 1), 1, "the task started before its timeout");
    await until(() => Atomics.load(state, 0) !== 0, "the task seeing its signal abort");
    assert.equal(Atomics.load(state, 0), 2);
  } finally {
    await p.closeNow();
  }
});

// ——— AbortSignal ———

test("aborting a queued task removes it from the queue at once and rejects with the signal's reason", async () => {
  // Concurrency 1 and a fresh pool (no measured task time, so no prefetch): the second task waits
  // in the pool's queue, not in the worker.
  const p = pool({ concurrency: 1 });
  const stopper = new AbortController();
  try {
    const blocker = p.run("cooperativeLoop", undefined, { signal: stopper.signal });
    await nextEvent(p, "taskStarted");
    const c1 = new AbortController();
    const c2 = new AbortController();
    const queued1 = p.run("echo", "one", { signal: c1.signal });
    const queued2 = p.run("echo", "two", { signal: c2.signal });
    assert.equal(p.stats().queueDepth, 2);
    const reason = new Error("no longer needed");
    c1.abort(reason);
    assert.equal(p.stats().queueDepth, 1);
    assert.equal(await rejection(queued1), reason);
    c2.abort();
    assert.equal(p.stats().queueDepth, 0);
    assert.equal((await rejection(queued2)).name, "AbortError");
    stopper.abort();
    assert.equal((await rejection(blocker)).name, "AbortError");
  } finally {
    stopper.abort();
    await p.closeNow();
  }
});

test("aborting a task that waits behind a busy worker's task neither kills that worker nor fails its task", async () => {
  // Concurrency 2 sends both tasks in one batch; the worker runs the sync spin first while the
  // echo waits in the worker. The echo is cancelled there, and it never starts: no reason to kill.
  const p = pool({ concurrency: 2, cancelGraceMs: 20 });
  const exited: string[] = [];
  p.on("workerExited", (e) => exited.push(e.reason));
  try {
    const first = await p.run("threadId", undefined);
    const c = new AbortController();
    const busy = p.run("spin", 300);
    const waiting = p.run("echo", "late", { signal: c.signal });
    await nextEvent(p, "taskStarted");
    c.abort();
    assert.equal((await rejection(waiting)).name, "AbortError");
    assert.ok((await within(busy, 10_000, "the busy task")) > 0);
    assert.equal(await p.run("threadId", undefined), first);
    assert.deepEqual(exited, []);
  } finally {
    await p.closeNow();
  }
});

test("a signal aborted before run() rejects at once and queues nothing", async () => {
  const p = pool({ minWorkers: 0 });
  let queued = 0;
  p.on("taskQueued", () => queued++);
  try {
    const c = new AbortController();
    const reason = new RangeError("cancelled up front");
    c.abort(reason);
    assert.equal(await rejection(p.run("echo", 1, { signal: c.signal })), reason);
    assert.equal(queued, 0);
    assert.equal(p.workerCount, 0);
  } finally {
    await p.closeNow();
  }
});

test("aborting a running cooperative task stops it and keeps its worker", async () => {
  const p = pool();
  const exited: number[] = [];
  p.on("workerExited", (e) => exited.push(e.workerId));
  try {
    const first = await p.run("threadId", undefined);
    const state = sharedInts();
    const c = new AbortController();
    const loop = rejection(p.run("stoppableLoop", state, { signal: c.signal }));
    await until(() => Atomics.load(state, 0) === 1, "the loop starting");
    c.abort();
    assert.equal((await loop).name, "AbortError");
    await until(() => Atomics.load(state, 0) === 2, "the loop seeing shouldStop()");
    assert.equal(await within(p.run("threadId", undefined), 10_000, "the next task"), first);
    assert.deepEqual(exited, []);

    const seen = sharedInts(2);
    const c2 = new AbortController();
    const waiting = rejection(p.run("recordAbort", seen, { signal: c2.signal }));
    await until(() => Atomics.load(seen, 1) === 1, "the async task starting");
    c2.abort();
    assert.equal((await waiting).name, "AbortError");
    await until(() => Atomics.load(seen, 0) !== 0, "the task seeing its signal abort");
    assert.equal(Atomics.load(seen, 0), 1);
  } finally {
    await p.closeNow();
  }
});

// ——— many random cancellations ———

/** mulberry32: a tiny seeded PRNG, so a failing mix can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("1,000 tasks with random cancellations each settle exactly once with the right outcome", async () => {
  const p = pool({ maxWorkers: 2, minWorkers: 2, concurrency: 2, cancelGraceMs: 2000 });
  const random = prng(20240611);
  const events = new Map<number, number>();
  const count = (id: number) => events.set(id, (events.get(id) ?? 0) + 1);
  p.on("taskFinished", (e) => count(e.id));
  p.on("taskFailed", (e) => count(e.id));
  const exited: string[] = [];
  p.on("workerExited", (e) => exited.push(e.reason));

  type Expect = { ok: true; value: unknown } | { ok: false; check: (e: unknown) => boolean };
  const expected: Expect[] = [];
  const outcomes = new Map<number, { ok: boolean; value: unknown }[]>();
  const calls: Promise<void>[] = [];
  const timers: ReturnType<typeof setTimeout>[] = [];
  const kinds = new Map<string, number>();
  try {
    for (let i = 0; i < 1000; i++) {
      const r = random();
      // Only tasks that cannot finish by themselves are cancelled, so each outcome is certain
      // whatever the timing: they reject with the abort reason or TimeoutError, never resolve.
      const endless = random() < 0.5 ? "cooperativeLoop" as const : "untilAborted" as const;
      let promise: Promise<unknown>;
      let kind: string;
      if (r < 0.45) {
        kind = "normal";
        promise = p.run("echo", i);
        expected.push({ ok: true, value: i });
      } else if (r < 0.55) {
        kind = "normal async";
        const ms = Math.floor(random() * 3);
        promise = p.run("sleep", ms);
        expected.push({ ok: true, value: ms });
      } else if (r < 0.65) {
        kind = "abort before";
        const c = new AbortController();
        const reason = new Error(`abort ${i}`);
        c.abort(reason);
        promise = p.run(endless, undefined, { signal: c.signal });
        expected.push({ ok: false, check: (e) => e === reason });
      } else if (r < 0.75) {
        kind = "abort while queued";
        const c = new AbortController();
        const reason = new Error(`abort ${i}`);
        promise = p.run(endless, undefined, { signal: c.signal });
        c.abort(reason);
        expected.push({ ok: false, check: (e) => e === reason });
      } else if (r < 0.88) {
        kind = "abort later";
        const c = new AbortController();
        const reason = new Error(`abort ${i}`);
        promise = p.run(endless, undefined, { signal: c.signal });
        timers.push(setTimeout(() => c.abort(reason), Math.floor(random() * 20)));
        expected.push({ ok: false, check: (e) => e === reason });
      } else {
        kind = "timeout";
        const timeoutMs = 1 + Math.floor(random() * 20);
        promise = p.run(endless, undefined, { timeoutMs });
        expected.push({ ok: false, check: (e) => e instanceof TimeoutError && e.timeoutMs === timeoutMs });
      }
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const record = (ok: boolean, value: unknown) => {
        const list = outcomes.get(i) ?? [];
        list.push({ ok, value });
        outcomes.set(i, list);
      };
      calls.push(promise.then((v) => record(true, v), (e) => record(false, e)));
    }
    await within(Promise.all(calls), 10_000, "1,000 calls");

    for (const kind of ["normal", "normal async", "abort before", "abort while queued", "abort later", "timeout"]) {
      assert.ok((kinds.get(kind) ?? 0) >= 20, `only ${kinds.get(kind)} '${kind}' tasks in the mix`);
    }
    assert.equal(outcomes.size, 1000);
    for (let i = 0; i < 1000; i++) {
      const got = outcomes.get(i)!;
      assert.equal(got.length, 1, `task ${i} settled ${got.length} times`);
      const want = expected[i];
      if (want.ok) assert.deepEqual(got[0], { ok: true, value: want.value }, `task ${i}`);
      else assert.ok(!got[0].ok && want.check(got[0].value), `task ${i}: ${String(got[0].value)}`);
    }
    // Tasks aborted before run() never enter the pool; every other one is reported exactly once.
    assert.equal(events.size, 1000 - kinds.get("abort before")!);
    assert.ok([...events.values()].every((n) => n === 1));
    // Cancelled tasks leave the worker once it reports them stopped.
    await until(() => p.stats().inFlight === 0, "the workers reporting every cancelled task");
    const stats = p.stats();
    assert.equal(stats.queueDepth, 0);
    assert.equal(stats.completed + stats.failed, events.size);
    assert.deepEqual(exited, []);
    assert.equal(await p.run("echo", "still working"), "still working");
  } finally {
    for (const t of timers) clearTimeout(t);
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
    { url: new URL("./fixtures/pool_faults/does_not_exist.ts", import.meta.url), why: /does_not_exist/ },
    { url: new URL("./fixtures/pool_faults/throws_at_import.ts", import.meta.url), why: /refuses to load/ },
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

// ——— closing ———

test("close() lets queued and running tasks finish before it resolves", async () => {
  const p = pool();
  const order: string[] = [];
  try {
    const calls = [p.run("sleep", 20), p.run("sleep", 10), p.run("echo", 3), p.run("spin", 5)].map((c, i) =>
      c.then(() => order.push(`task ${i}`))
    );
    const closed = p.close().then(() => order.push("closed"));
    assert.equal((await rejection(p.run("echo", 4))).name, "PoolClosedError");
    await within(Promise.all([...calls, closed]), 10_000, "close()");
    assert.equal(order.at(-1), "closed");
    assert.deepEqual(order.slice(0, -1).sort(), ["task 0", "task 1", "task 2", "task 3"]);
    assert.equal(p.workerCount, 0);
    const after = await rejection(p.run("echo", 5));
    assert.ok(after instanceof PoolClosedError);
    assert.match(after.message, /closed/);
  } finally {
    await p.closeNow();
  }
});

test("close({ timeoutMs }) cancels what is left at the deadline with PoolClosedError", async () => {
  const p = pool();
  try {
    await p.run("echo", "warm-up"); // the deadline must not pass while the worker starts
    const outcomes = Promise.allSettled([
      p.run("echo", "quick"),
      p.run("cooperativeLoop", undefined),
      p.run("echo", "behind the loop"),
    ]);
    await within(p.close({ timeoutMs: 50 }), 10_000, "close({ timeoutMs: 50 })");
    const [done, loop, queued] = await outcomes;
    assert.deepEqual(done, { status: "fulfilled", value: "quick" });
    for (const o of [loop, queued]) {
      assert.equal(o.status, "rejected");
      const e = (o as PromiseRejectedResult).reason;
      assert.ok(e instanceof PoolClosedError);
      assert.match(e.message, /close deadline of 50 ms/);
    }
    assert.equal(p.workerCount, 0);
  } finally {
    await p.closeNow();
  }
});

test("closeNow() rejects running and queued tasks with PoolClosedError", async () => {
  const p = pool();
  try {
    await p.run("echo", 0);
    const state = sharedInts();
    const calls = [p.run("stoppableLoop", state), p.run("echo", 1), p.run("echo", 2)].map(rejection);
    await until(() => Atomics.load(state, 0) === 1, "the loop starting");
    await p.closeNow();
    for (const call of calls) {
      const e = await call;
      assert.ok(e instanceof PoolClosedError);
      assert.match(e.message, /closeNow/);
    }
    assert.deepEqual(p.stats().inFlight, 0);
    assert.equal(p.stats().queueDepth, 0);
  } finally {
    await p.closeNow();
  }
});
