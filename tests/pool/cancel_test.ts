// Cancellation with real workers: timeouts, aborts, and 1,000 random cancellations. Runaway tasks
// are bounded (see `runaway` in the fixture): on Deno a thread spinning in a loop outlives
// terminate(), and an unbounded one would keep the test process alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../../mod.ts";
import {
  nextEvent,
  openGate,
  pool,
  rejection,
  sharedInts,
  until,
  within,
} from "../fixtures/pool_helpers.ts";

// ——— timeouts ———

test("a task that ignores its timeout rejects with TimeoutError while it still runs, and its worker is replaced", async () => {
  const p = pool({ cancelGraceMs: 100 });
  try {
    const first = await p.run("threadId", undefined);
    const exited = nextEvent(p, "workerExited");
    // state[1] stays 0: the task spins until its worker is killed.
    const state = sharedInts(2);
    // Bounded: were the timeout lost, this must fail, not hang the file. 3 s is 30 times the
    // timeout, ample on a loaded machine; longer would only slow that failure.
    const e = await within(
      rejection(p.run("runawayMarking", { state }, { timeoutMs: 100 })),
      3_000,
      "the call with timeoutMs: 100",
    );
    assert.ok(e instanceof TimeoutError, String(e));
    assert.equal(e.task, "runawayMarking");
    assert.equal(e.timeoutMs, 100);
    // The order, not a number of ms: the call settled while the task was still spinning.
    assert.equal(Atomics.load(state, 0), 1, "the task was running when its call timed out");
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
    const e = await within(
      rejection(p.run("stoppableLoop", state, { timeoutMs: 50 })),
      10_000,
      "the loop",
    );
    assert.ok(e instanceof TimeoutError, String(e));
    await until(() => Atomics.load(state, 0) === 2, "the loop seeing shouldStop()");
    // One worker: it can only answer once the loop has returned.
    assert.equal(await within(p.run("threadId", undefined), 10_000, "the next task"), first);
    // The same worker sleeps past the grace period: had the grace timer fired, it would have
    // killed the worker under this task.
    assert.equal(await within(p.run("sleep", 250), 10_000, "a task past the grace period"), 250);
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
    // The timer starts at run(): 1 s leaves a loaded machine time to hand the task to the warm
    // worker (the task then waits for its signal, so the margin costs 1 s, not flakiness).
    const e = await within(
      rejection(p.run("recordAbort", state, { timeoutMs: 1000 })),
      10_000,
      "the call with timeoutMs: 1000",
    );
    assert.ok(e instanceof TimeoutError);
    assert.equal(Atomics.load(state, 1), 1, "the task started before its timeout");
    // The abort reaches the task as the call rejects (one message to a waiting worker): 3 s
    // is ample on a loaded machine, and a signal never aborted fails here in 3 s, not 10.
    await until(() => Atomics.load(state, 0) !== 0, "the task seeing its signal abort", 3_000);
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
  // Concurrency 2 sends both tasks in one batch; the worker runs the blocking task first while the
  // echo waits in the worker. The echo is cancelled there, and it never starts: no reason to kill.
  const p = pool({ concurrency: 2, cancelGraceMs: 20 });
  const exited: string[] = [];
  p.on("workerExited", (e) => exited.push(e.reason));
  const gate = sharedInts(2);
  try {
    const first = await p.run("threadId", undefined);
    const c = new AbortController();
    const busy = p.run("blockUntilOpened", gate);
    const waiting = p.run("echo", "late", { signal: c.signal });
    await until(() => Atomics.load(gate, 1) === 1, "the blocking task starting");
    c.abort();
    assert.equal((await rejection(waiting)).name, "AbortError");
    openGate(gate);
    assert.equal(await within(busy, 10_000, "the busy task"), "opened");
    assert.equal(await p.run("threadId", undefined), first);
    assert.deepEqual(exited, []);
  } finally {
    openGate(gate);
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

test("1,000 tasks with random cancellations each settle with the right outcome and are run and reported exactly once", async () => {
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
  const outcomes = new Map<number, { ok: boolean; value: unknown }>();
  // A promise cannot settle twice; a task can run twice, which shared memory shows.
  const runs = sharedInts(1000);
  const normal: number[] = [];
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
        normal.push(i);
        promise = p.run("countRun", { runs, index: i });
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
        expected.push({
          ok: false,
          check: (e) => e instanceof TimeoutError && e.timeoutMs === timeoutMs,
        });
      }
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const record = (ok: boolean, value: unknown) => {
        outcomes.set(i, { ok, value });
      };
      calls.push(promise.then((v) => record(true, v), (e) => record(false, e)));
    }
    await within(Promise.all(calls), 10_000, "1,000 calls");

    for (
      const kind of [
        "normal",
        "normal async",
        "abort before",
        "abort while queued",
        "abort later",
        "timeout",
      ]
    ) {
      assert.ok((kinds.get(kind) ?? 0) >= 20, `only ${kinds.get(kind)} '${kind}' tasks in the mix`);
    }
    assert.equal(outcomes.size, 1000);
    for (let i = 0; i < 1000; i++) {
      const got = outcomes.get(i)!;
      const want = expected[i];
      if (want.ok) assert.deepEqual(got, { ok: true, value: want.value }, `task ${i}`);
      else assert.ok(!got.ok && want.check(got.value), `task ${i}: ${String(got.value)}`);
    }
    assert.deepEqual(
      normal.filter((i) => Atomics.load(runs, i) !== 1).map((i) => `${i}: ${runs[i]} runs`),
      [],
      "tasks that did not run exactly once",
    );
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
