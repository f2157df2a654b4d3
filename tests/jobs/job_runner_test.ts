import { test } from "node:test";
import assert from "node:assert/strict";
import { type RunOptions, TaskError, TimeoutError, WorkerCrashedError } from "../../mod.ts";
import { JobRunner, type RunnerPool } from "../../src/jobs/job_runner.ts";
import { JobStore } from "../../src/jobs/job_store.ts";
import type { Job } from "../../src/jobs/job.ts";
import { DrainingError, JobsFullError } from "../../src/jobs/job_errors.ts";
import { deadlineTimers } from "../../src/jobs/wait_deadlines.ts";

interface Call {
  task: string;
  input: unknown;
  options: RunOptions;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** A pool that runs nothing: the test settles each call by hand. */
class FakePool implements RunnerPool {
  calls: Call[] = [];
  run(task: string, input: unknown, options: RunOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = { task, input, options, resolve, reject };
      this.calls.push(call);
      options.signal?.addEventListener("abort", () => reject(options.signal!.reason));
    });
  }
  whenRoom(): Promise<void> {
    return Promise.resolve();
  }
}

/** Resolves once job `id` reaches a final state or `status`. */
function reach(store: JobStore, id: string, status: Job["status"]): Promise<Job> {
  return new Promise((resolve) => {
    const now = store.lookup(id);
    if (now.state === "found" && now.job.status === status) return resolve(now.job);
    const stop = store.watch(id, (c) => {
      if (c.job && c.job.status === status) {
        stop();
        resolve(c.job);
      }
    });
  });
}

const tick = () => new Promise((r) => setTimeout(r, 0));

test("JobRunner hands jobs to the pool and stores the result", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  const { job } = runner.submit({ task: "echo", input: 7, priority: 3, stage: "s" });
  await tick();
  assert.equal(pool.calls.length, 1);
  assert.equal(pool.calls[0].options.priority, 3);
  assert.equal(pool.calls[0].options.stage, "s");
  pool.calls[0].options.onProgress!(0.5);
  assert.equal((runner.store.lookup(job.id) as { job: Job }).job.progress, 0.5);
  pool.calls[0].resolve(7);
  const done = await reach(runner.store, job.id, "succeeded");
  assert.equal(done.result, 7);
  assert.equal(done.attempts, 1);
});

test("JobRunner retries a task that throws with doubling backoff, then fails with its error", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  const { job } = runner.submit({ task: "fail", input: 0, attempts: 3, backoffMs: 1 });
  for (let attempt = 1; attempt <= 3; attempt++) {
    await reach(runner.store, job.id, "running");
    const last = pool.calls.at(-1)!;
    last.reject(new TaskError("fail", { name: "RangeError", message: `try ${attempt}` }));
    if (attempt < 3) await reach(runner.store, job.id, "delayed");
  }
  const failed = await reach(runner.store, job.id, "failed");
  assert.equal(failed.attempts, 3);
  assert.deepEqual(failed.error, { name: "RangeError", message: "try 3" });
  assert.equal(pool.calls.length, 3);
});

test("JobRunner does not retry a crashed worker: that is the pool's retries option", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  const { job } = runner.submit({ task: "x", input: 0, attempts: 5, backoffMs: 0 });
  await tick();
  pool.calls[0].reject(new WorkerCrashedError("x", "exit code 1"));
  const failed = await reach(runner.store, job.id, "failed");
  assert.equal(failed.error?.name, "WorkerCrashedError");
  assert.equal(pool.calls.length, 1);
});

test("JobRunner runs at most keyConcurrency jobs of a key and lets other keys take turns", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore(), { keyConcurrency: 1, concurrency: 4 });
  for (let i = 0; i < 5; i++) runner.submit({ task: "a", input: i, concurrencyKey: "A" });
  runner.submit({ task: "b", input: 0, concurrencyKey: "B" });
  await tick();
  assert.deepEqual(pool.calls.map((c) => c.task), ["a", "b"]);
  pool.calls[0].resolve(0);
  await tick();
  await tick();
  assert.deepEqual(pool.calls.map((c) => c.task), ["a", "b", "a"]);
});

test("JobRunner schedules a batch heavy-first and returns the jobs in request order", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore(), { concurrency: 1 });
  const jobs = runner.submitBatch([
    { task: "light", input: 1, weight: 1 },
    { task: "heavy", input: 2, weight: 9 },
    { task: "mid", input: 3, weight: 5 },
  ]);
  assert.deepEqual(jobs.map((j) => j.task), ["light", "heavy", "mid"]);
  for (let i = 0; i < 3; i++) {
    await tick();
    pool.calls[i].resolve(null);
  }
  await tick();
  assert.deepEqual(pool.calls.map((c) => c.task), ["heavy", "mid", "light"]);
});

test("JobRunner takes a batch all or none: an input JSON cannot carry refuses the whole batch", () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  assert.throws(
    () => runner.submitBatch([{ task: "a", input: 1 }, { task: "b", input: 10n }]),
    TypeError,
  );
  // Nothing of the batch is kept or counted: the first job was not stored before the second
  // failed.
  assert.deepEqual(runner.store.list().jobs, []);
  assert.equal(runner.store.bytes, 0);
  assert.equal(pool.calls.length, 0);
});

test("JobRunner holds a delayed job, and cancel() ends waiting and running jobs", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  const delayed = runner.submit({ task: "later", input: 0, delayMs: 60_000 }).job;
  assert.equal(delayed.status, "delayed");
  const running = runner.submit({ task: "now", input: 0 }).job;
  await tick();
  assert.equal(runner.cancel(delayed.id), "cancelled");
  assert.equal(runner.cancel(running.id), "cancelled");
  assert.equal(runner.cancel(running.id), "final");
  assert.equal(runner.cancel("nope"), "missing");
  assert.deepEqual(pool.calls.map((c) => c.task), ["now"]);
  const job = await reach(runner.store, running.id, "cancelled");
  assert.equal(job.error?.name, "AbortError");
  // drain() waits for the pool to settle the aborted run, which frees its slot.
  await runner.drain({ timeoutMs: 60_000 });
  assert.deepEqual(runner.counts(), { queued: 0, delayed: 0, running: 0 });
});

test("JobRunner refuses jobs past maxQueue and after drain() began", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore(), { maxQueue: 2, concurrency: 1 });
  runner.submit({ task: "a", input: 0 });
  await tick();
  runner.submit({ task: "b", input: 0 });
  runner.submit({ task: "c", input: 0 });
  assert.throws(() => runner.submit({ task: "d", input: 0 }), JobsFullError);
  assert.throws(() => runner.submitBatch([{ task: "e", input: 0 }]), JobsFullError);
  const drained = runner.drain({ timeoutMs: 60_000 });
  assert.throws(() => runner.submit({ task: "f", input: 0 }), DrainingError);
  pool.calls[0].resolve("done");
  await drained;
  const statuses = runner.store.list().jobs.map((j) => `${j.task}:${j.status}`);
  assert.deepEqual(statuses, ["a:succeeded", "b:cancelled", "c:cancelled"]);
});

test("JobRunner's drain() cancels jobs still running at its deadline", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  const { job } = runner.submit({ task: "forever", input: 0 });
  await tick();
  await runner.drain({ timeoutMs: 1 });
  const after = runner.store.lookup(job.id) as { job: Job };
  assert.equal(after.job.status, "cancelled");
  assert.match(after.job.error!.message, /shut down/);
});

test("JobRunner fails a job whose result JSON cannot carry", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  const { job } = runner.submit({ task: "big", input: 0 });
  await tick();
  pool.calls[0].resolve(10n);
  const failed = await reach(runner.store, job.id, "failed");
  assert.equal(failed.error?.name, "TypeError");
});

test("JobRunner retries an attempt that timed out, like one that threw", async () => {
  const pool = new FakePool();
  const runner = new JobRunner(pool, new JobStore());
  const { job } = runner.submit({
    task: "slow",
    input: 0,
    attempts: 2,
    backoffMs: 0,
    // Long enough that the second attempt, resolved a few ticks after it starts, does not time out
    // too on a loaded machine (5 ms did, now and then, and the job failed instead of succeeding);
    // the first attempt's timeout is awaited by its abort event, not by a sleep.
    timeoutMs: 200,
  });
  await reach(runner.store, job.id, "running");
  // The runner keeps the timeout (on a timer per length) and aborts the task with the pool's
  // TimeoutError: the FakePool rejects with the signal's reason.
  assert.equal(pool.calls[0].options.timeoutMs, undefined);
  const signal = pool.calls[0].options.signal!;
  if (!signal.aborted) {
    await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
  }
  assert.ok(signal.reason instanceof TimeoutError);
  await tick();
  await tick();
  // Taken as a timeout, not a cancel: the job is tried again.
  assert.equal(pool.calls.length, 2);
  const retried = runner.store.lookup(job.id);
  assert.ok(retried.state === "found" && retried.job.attempts === 2);
  assert.equal(retried.job.error?.name, "TimeoutError");
  pool.calls[1].resolve("ok");
  const done = await reach(runner.store, job.id, "succeeded");
  assert.equal(done.attempts, 2);
});

/** A FakePool that also takes many calls at once, recording each hand-off. */
class ManyPool extends FakePool {
  handOffs: string[][] = [];
  runMany(calls: Iterable<{ name: string; input: unknown; options?: RunOptions }>) {
    const list = [...calls];
    this.handOffs.push(list.map((c) => `${c.name}:${c.input}`));
    return list.map((c) => this.run(c.name, c.input, c.options));
  }
}

test("JobRunner hands a batch's jobs to the pool in one hand-off, in priority order, up to its concurrency", async () => {
  const pool = new ManyPool();
  const runner = new JobRunner(pool, new JobStore(), { concurrency: 6, keyConcurrency: 6 });
  const priorities = [3, 0, 2, 1, 0, 5, 4, 1];
  runner.submitBatch(priorities.map((priority, i) => ({ task: "t", input: i, priority })));
  await tick();
  // Lower priority first, submission order within one: inputs 1, 4 (0), 3, 7 (1), 2 (2), 0 (3).
  assert.deepEqual(pool.handOffs, [["t:1", "t:4", "t:3", "t:7", "t:2", "t:0"]]);
  assert.equal(runner.counts().running, 6);
  // Jobs that finish in one turn free their slots together: the rest go in one more hand-off.
  pool.calls[0].resolve(1);
  pool.calls[1].resolve(4);
  await tick();
  assert.deepEqual(pool.handOffs.slice(1), [["t:6", "t:5"]]);
});

test("under a flood, the runner hands the pool no more than its concurrency: a job of another key or a higher priority goes next", async () => {
  const pool = new ManyPool();
  const runner = new JobRunner(pool, new JobStore(), {
    concurrency: 4,
    keyConcurrency: 100,
    maxQueue: 1000,
  });
  runner.submitBatch(
    Array.from({ length: 200 }, (_, i) => ({ task: "flood", input: i, concurrencyKey: "A" })),
  );
  await tick();
  assert.equal(pool.calls.length, 4, "only the runner's concurrency reaches the pool");
  runner.submit({ task: "other", input: 0, concurrencyKey: "B" });
  runner.submit({ task: "urgent", input: 0, concurrencyKey: "A", priority: -1 });
  for (let i = 0; i < 2; i++) pool.calls[i].resolve(i);
  await tick();
  // Two slots freed: key B's job takes its turn, and the urgent one leads key A's.
  assert.deepEqual(pool.handOffs[1].sort(), ["other:0", "urgent:0"]);
  assert.equal(runner.counts().running, 4);
  assert.equal(runner.counts().queued, 196);
});

/** A ManyPool with two task slots whose tasks ran `runMs` each lately. */
class MeasuredPool extends ManyPool {
  constructor(public runMs: number) {
    super();
  }
  stats() {
    return { concurrency: 2, workers: 2, targetWorkers: 2 };
  }
  metrics() {
    return { tasks: [{ count: 10, recent: { runMs: this.runMs } }] };
  }
}

test("without a fixed concurrency the runner hands the pool about 1 ms of work per task slot, by the measured run time", async () => {
  const jobs = Array.from({ length: 300 }, (_, i) => ({ task: "t", input: i }));
  const short = new MeasuredPool(0.1); // 10 per slot
  const shortRunner = new JobRunner(short, new JobStore(), { keyConcurrency: 1000 });
  shortRunner.submitBatch(jobs);
  await tick();
  assert.equal(short.handOffs[0].length, 20);
  const long = new MeasuredPool(5); // 2 per slot, as the fixed default was
  const longRunner = new JobRunner(long, new JobStore(), { keyConcurrency: 1000 });
  longRunner.submitBatch(jobs);
  await tick();
  assert.equal(long.handOffs[0].length, 4);
  const fixed = new MeasuredPool(0.1);
  const fixedRunner = new JobRunner(fixed, new JobStore(), {
    keyConcurrency: 1000,
    concurrency: 3,
  });
  fixedRunner.submitBatch(jobs);
  await tick();
  assert.equal(fixed.handOffs[0].length, 3, "a fixed concurrency wins");
});

test("while jobs run, jobs submitted by separate tasks reach the pool together; an idle runner hands a job over at once", async () => {
  const pool = new ManyPool();
  const runner = new JobRunner(pool, new JobStore(), { concurrency: 64, keyConcurrency: 64 });
  runner.submit({ task: "first", input: 0 });
  await Promise.resolve();
  assert.deepEqual(pool.handOffs, [["first:0"]], "idle: handed over in the same turn");
  // Six submissions, each from its own task (six timers due together), as requests on six
  // connections are. Handed over at once, each would go alone; while a job runs the pump waits
  // a macrotask, so they share hand-offs. (How many share one depends on how the runtime orders
  // timers and messages: Bun runs the six timers first, Deno may run the pump's message sooner.)
  const inputs = [1, 2, 3, 4, 5, 6];
  await Promise.all(inputs.map((i) =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        runner.submit({ task: "next", input: i });
        resolve();
      }, 0)
    )
  ));
  await tick();
  const later = pool.handOffs.slice(1);
  assert.deepEqual(later.flat(), inputs.map((i) => `next:${i}`));
  assert.ok(later.length < inputs.length, `six jobs went one by one: ${JSON.stringify(later)}`);
  // Every job ends: the runner, idle again, lets go of what schedules its pumps.
  for (const call of pool.calls) call.resolve(1);
  await tick();
  assert.equal(runner.counts().running, 0);
});

test("job attempts' timeouts share one timer per length, not one per task, and leave none behind", async () => {
  const pool = new ManyPool();
  const runner = new JobRunner(pool, new JobStore(), { concurrency: 8, keyConcurrency: 8 });
  const timersBefore = deadlineTimers();
  runner.submitBatch(
    Array.from({ length: 6 }, (_, i) => ({ task: "t", input: i, timeoutMs: 60_000 })),
  );
  runner.submit({ task: "t", input: 6, timeoutMs: 30_000 });
  await tick();
  assert.equal(pool.calls.length, 7);
  assert.ok(
    pool.calls.every((c) => c.options.timeoutMs === undefined),
    "no timer per task in the pool",
  );
  assert.equal(deadlineTimers() - timersBefore, 2, "one timer per length");
  for (const call of pool.calls) call.resolve(1);
  await tick();
  assert.equal(runner.counts().running, 0);
  assert.equal(deadlineTimers(), timersBefore, "settled attempts let go of their deadlines");
});
