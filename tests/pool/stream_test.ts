// pool.stream(): generator tasks whose chunks reach the caller in order, through a bounded credit
// window, with the return value as `result`; leaving the loop cancels the task in its worker; an
// error mid-stream arrives after the chunks before it. The thread and the process profiles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, runtime, TaskError, WorkerCrashedError } from "../../mod.ts";
import type { Pool, PoolOptions } from "../../mod.ts";
import { rejection, sharedInts, until, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/stream_tasks.ts");
const url = new URL("../fixtures/stream_tasks.ts", import.meta.url);

function streamPool(options: PoolOptions = {}): Pool<Tasks> {
  return createPool<Tasks>(url, { maxWorkers: 1, concurrency: 4, autotune: false, ...options });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of iterable) out.push(chunk);
  return out;
}

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

// On Node the suite runs against dist, where the process profile cannot start its child yet (the
// built chunks resolve workers/process_worker.js one folder too high): the thread profile there.
const isolations = runtime.key === "node" ? ["thread"] as const : ["thread", "process"] as const;

for (const isolation of isolations) {
  test(`${isolation}: the chunks of an async generator arrive in order, then its return value`, async () => {
    const p = streamPool({ isolation });
    try {
      const s = p.stream("count", 200, { window: 4 });
      const chunks: number[] = await within(collect(s), 5_000, "the stream");
      assert.deepEqual(chunks, upTo(200));
      assert.equal(await s.result, "counted 200");
      // A sync generator streams the same way.
      const sync = p.stream("countSync", 50);
      assert.deepEqual(await within(collect(sync), 5_000, "the sync stream"), upTo(50));
      assert.equal(await sync.result, "counted 50");
    } finally {
      await p.close({ timeoutMs: 2_000 }); // bounded: a stream that hangs fails the test, not the file
    }
  });

  test(`${isolation}: an error thrown mid-stream reaches the loop after the chunks before it`, async () => {
    const p = streamPool({ isolation });
    try {
      const s = p.stream("failAfter", 5, { window: 2 });
      const seen: number[] = [];
      const loop = (async () => {
        for await (const chunk of s) seen.push(chunk);
      })();
      const e = await within(rejection(loop), 5_000, "the failing stream");
      assert.deepEqual(seen, upTo(5));
      assert.ok(e instanceof TaskError, String(e));
      assert.equal(e.name, "RangeError");
      assert.match(e.message, /failed after 5 chunks/);
      assert.equal(await rejection(s.result), e);
      // Read only after the task failed: every chunk still comes first, then the error.
      const late = p.stream("failAfter", 5, { window: 8 });
      const lateError = await within(rejection(late.result), 10_000, "the failed task");
      const lateSeen: number[] = [];
      const thrown = await rejection((async () => {
        for await (const chunk of late) lateSeen.push(chunk);
      })());
      assert.deepEqual(lateSeen, upTo(5));
      assert.equal(thrown, lateError);
    } finally {
      await p.close({ timeoutMs: 2_000 }); // bounded: a stream that hangs fails the test, not the file
    }
  });

  test(`${isolation}: leaving the loop cancels the task, and the worker runs the next call`, async () => {
    const p = streamPool({ isolation });
    try {
      const s = p.stream("forever", undefined, { window: 2 });
      const seen: number[] = [];
      const loop = (async () => {
        for await (const chunk of s) {
          seen.push(chunk);
          if (seen.length === 5) break;
        }
      })();
      await within(loop, 5_000, "five chunks");
      assert.deepEqual(seen, upTo(5));
      // The cancel is one message to a worker whose generator yields every tick: 3 s is ample
      // on a loaded machine, and a task never cancelled fails here in 3 s rather than 10.
      const e = await within(rejection(s.result), 3_000, "the cancelled stream's result");
      assert.equal(e.name, "AbortError");
      // The worker was not killed for it: the generator saw its signal and stopped.
      assert.equal(await within(p.run("double", 21), 10_000, "a call after the cancel"), 42);
      // …and the task ended in the worker too.
      await until(() => p.stats().inFlight === 0, "the cancelled task's end in its worker");
    } finally {
      await p.close({ timeoutMs: 2_000 }); // bounded: a stream that hangs fails the test, not the file
    }
  });
}

test("a worker that dies mid-stream fails the stream after its chunks, and it is not run again", async () => {
  const p = streamPool();
  try {
    let started = 0;
    p.on("taskStarted", () => started++);
    const s = p.stream("crashAfter", 3, { window: 8 });
    const seen: number[] = [];
    const loop = (async () => {
      for await (const chunk of s) seen.push(chunk);
    })();
    const e = await within(rejection(loop), 10_000, "the crashed stream");
    assert.ok(e instanceof WorkerCrashedError, String(e));
    assert.deepEqual(seen, upTo(3));
    assert.equal(started, 1, "sent to a worker once");
    assert.equal(await within(p.run("double", 2), 10_000, "a call after the crash"), 4);
  } finally {
    await p.close({ timeoutMs: 2_000 });
  }
});

test("a consumer that reads nothing pauses the producer after `window` chunks", async () => {
  const p = streamPool();
  try {
    const state = sharedInts(2);
    const window = 8;
    const s = p.stream("endless", state, { window });
    await until(() => Atomics.load(state, 0) >= window && s.buffered === window, "a full window");
    // Timers fire in order: a producer that were not paused would yield again during these ticks.
    assert.equal(await p.run("ticks", 5), 5);
    assert.equal(Atomics.load(state, 0), window, "chunks the producer yielded while none was read");
    assert.equal(s.buffered, window, "chunks held on the caller's side");
    // Reading frees credit: the producer goes on, and still never runs more than a window ahead.
    const seen: number[] = [];
    const loop = (async () => {
      for await (const chunk of s) {
        seen.push(chunk);
        assert.ok(Atomics.load(state, 0) <= seen.length + window, "at most a window ahead");
        if (seen.length === 3 * window) break;
      }
    })();
    await within(loop, 5_000, "three windows of chunks");
    assert.deepEqual(seen, upTo(3 * window));
    // Leaving the loop aborted the task's signal, and the generator's finally ran after it.
    await until(() => Atomics.load(state, 1) !== 0, "the generator's finally block");
    assert.equal(Atomics.load(state, 1), 1, "ctx.signal was aborted when finally ran");
  } finally {
    await p.close({ timeoutMs: 2_000 });
  }
});

test("the caller's signal cancels a stream, and a timeout ends it with TimeoutError", async () => {
  const p = streamPool();
  try {
    const controller = new AbortController();
    const s = p.stream("forever", undefined, { signal: controller.signal });
    const it = s[Symbol.asyncIterator]();
    assert.equal((await it.next()).value, 0);
    controller.abort();
    const e = await within(rejection(collect(it)), 10_000, "the aborted stream");
    assert.equal(e.name, "AbortError");
    const timed = p.stream("forever", undefined, { timeoutMs: 50 });
    const t = await within(rejection(collect(timed)), 10_000, "the timed-out stream");
    assert.equal(t.name, "TimeoutError");
  } finally {
    await p.close({ timeoutMs: 2_000 });
  }
});

test("run() of a generator task fails and says to call stream(); bad stream options are named", async () => {
  const p = streamPool();
  try {
    const e = await rejection(p.run("count", 3));
    assert.ok(e instanceof TaskError, String(e));
    assert.match(e.message, /returned a generator: call it with stream\(\)/);
    for (
      const [options, pattern] of [
        [{ window: 0 }, /'window' must be an integer from 1 to 4096: current value is 0/],
        [{ window: 1.5 }, /'window'/],
        [{ retries: 1 }, /'retries' is not an option of stream\(\)/],
        [{ speed: 1 }, /speed/],
      ] as const
    ) {
      const bad = await rejection(collect(p.stream("count", 3, options as never)));
      assert.ok(bad instanceof RangeError || bad instanceof TypeError, String(bad));
      assert.match(bad.message, pattern);
    }
  } finally {
    await p.close({ timeoutMs: 2_000 });
  }
});

test("stream() in inline mode fails with a TypeError naming the mode", async () => {
  const p = streamPool({ mode: "inline" });
  try {
    const s = p.stream("count", 3);
    const e = await rejection(collect(s));
    assert.ok(e instanceof TypeError, String(e));
    assert.match(e.message, /Cannot stream task 'count' as the pool's 'mode' is "inline"/);
    assert.equal(await rejection(s.result), e);
  } finally {
    await p.close({ timeoutMs: 2_000 });
  }
});
