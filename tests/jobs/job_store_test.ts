import { test } from "node:test";
import assert from "node:assert/strict";
import { isoTime } from "../../src/jobs/iso_time.ts";
import { JobStore } from "../../src/jobs/job_store.ts";
import { IdempotencyConflictError, JobsFullError } from "../../src/jobs/job_errors.ts";

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

test("JobStore tells watchers of a change synchronously, with the change itself", () => {
  const store = new JobStore();
  const { record } = store.insert({ task: "echo", input: 1 }, { fingerprint: "f" });
  const seen: string[] = [];
  const stop = store.watch(record.job.id, (c) => seen.push(`${c.rev}:${c.job?.status}`));
  store.update(record.job.id, { status: "running" });
  assert.deepEqual(seen, ["2:running"]);
  store.update(record.job.id, { status: "succeeded", result: 1 });
  store.update(record.job.id, { status: "running" });
  assert.deepEqual(seen, ["2:running", "3:succeeded"], "a final job never changes");
  stop();
  assert.equal(store.watchers, 0);
});

test("JobStore replays a key with the same body, refuses a different body, frees a failed key", () => {
  const store = new JobStore();
  const a = store.insert({ task: "echo", input: 1 }, { fingerprint: "1", idempotencyKey: "k" });
  const again = store.insert({ task: "echo", input: 1 }, { fingerprint: "1", idempotencyKey: "k" });
  assert.equal(again.created, false);
  assert.equal(again.record.job.id, a.record.job.id);
  assert.throws(
    () => store.insert({ task: "echo", input: 2 }, { fingerprint: "2", idempotencyKey: "k" }),
    IdempotencyConflictError,
  );
  store.update(a.record.job.id, { status: "failed" });
  const fresh = store.insert({ task: "echo", input: 2 }, { fingerprint: "2", idempotencyKey: "k" });
  assert.equal(fresh.created, true);
  assert.notEqual(fresh.record.job.id, a.record.job.id);
});

test("JobStore expires finished jobs after the TTL into tombstones, then forgets them", () => {
  const c = clock();
  const store = new JobStore({ ttlMs: 1000, now: c.now });
  const done = store.insert({ task: "echo", input: 1 }, { fingerprint: "1", idempotencyKey: "k" });
  const live = store.insert({ task: "echo", input: 2 }, { fingerprint: "2" });
  store.update(done.record.job.id, { status: "succeeded" });
  c.t = 999;
  assert.deepEqual(store.sweep(), { expired: 0, forgotten: 0 });
  c.t = 1000;
  assert.deepEqual(store.sweep(), { expired: 1, forgotten: 0 });
  assert.equal(store.lookup(done.record.job.id).state, "expired");
  assert.equal(store.lookup(live.record.job.id).state, "found", "running jobs never expire");
  const reuse = store.insert({ task: "echo", input: 9 }, { fingerprint: "9", idempotencyKey: "k" });
  assert.equal(reuse.created, true, "the key expired with its job");
  c.t = 2000;
  assert.deepEqual(store.sweep(), { expired: 0, forgotten: 1 });
  assert.equal(store.lookup(done.record.job.id).state, "missing");
});

test("JobStore refuses jobs past maxJobs with a Retry-After from the oldest finished job", () => {
  const c = clock();
  const store = new JobStore({ maxJobs: 2, ttlMs: 10_000, now: c.now });
  const first = store.insert({ task: "echo", input: 1 }, { fingerprint: "1" });
  store.insert({ task: "echo", input: 2 }, { fingerprint: "2" });
  store.update(first.record.job.id, { status: "succeeded" });
  c.t = 4000;
  const e = assert.throws(() => store.insert({ task: "e", input: 3 }, { fingerprint: "3" }), (
    err: unknown,
  ) => err instanceof JobsFullError && err.bound === "store" && err.retryAfterSeconds === 6);
  void e;
});

test("JobStore never holds more tombstones than maxJobs while jobs churn through it", () => {
  const c = clock();
  const store = new JobStore({ maxJobs: 3, ttlMs: 10, now: c.now });
  let seen = 0;
  for (let i = 0; i < 40; i++) {
    store.sweep();
    if (store.size === store.maxJobs) {
      c.t += 7;
      continue;
    }
    const { record } = store.insert({ task: "echo", input: i }, { fingerprint: `${i}` });
    store.update(record.job.id, { status: "succeeded" });
    c.t += i % 3;
    seen = Math.max(seen, store.tombstones);
    assert.ok(store.tombstones <= store.maxJobs, `${store.tombstones} tombstones at step ${i}`);
  }
  assert.ok(seen > 0, "some jobs expired into tombstones");
});

test("JobStore builds a change only when someone watches the job", () => {
  const store = new JobStore();
  const { record } = store.insert({ task: "echo", input: 1 }, {});
  const id = record.job.id;
  // Counts every copy of the job: a change (or any copy) reads each of its fields.
  let copies = 0;
  Object.defineProperty(record.job, "probe", {
    enumerable: true,
    get: () => (copies++, undefined),
  });
  store.update(id, { status: "running" });
  store.update(id, { progress: 0.5 }, "progress");
  assert.equal(copies, 0, "no change built for a job nobody watches");
  const seen: string[] = [];
  const stop = store.watch(id, (c) => seen.push(c.job!.status));
  store.update(id, { status: "succeeded", result: 1 });
  stop();
  assert.deepEqual(seen, ["succeeded"]);
  assert.equal(copies, 1, "one change built for its one watcher");
});

test("JobStore's sweep reads only the jobs it expires, in the order they finished", () => {
  const c = clock(0);
  const store = new JobStore({ ttlMs: 100, now: c.now });
  const ids = Array.from({ length: 1000 }, (_, i) => store.insert({ task: "t", input: i }, {}))
    .map(({ record }) => record.job.id);
  // They finish in reverse submission order, one per ms: the last submitted finishes first.
  for (const id of [...ids].reverse()) {
    store.update(id, { status: "succeeded" });
    c.t++;
  }
  let reads = 0;
  for (const id of ids) {
    const r = store.record(id)!;
    let at = r.finishedAtMs;
    Object.defineProperty(r, "finishedAtMs", {
      get: () => (reads++, at),
      set: (v) => (at = v),
    });
  }
  // Jobs finished at times 0 to 9 (the ten submitted last) are past the TTL; the rest stay.
  c.t = 109;
  assert.deepEqual(store.sweep(), { expired: 10, forgotten: 0 });
  assert.ok(reads <= 12, `the sweep read ${reads} jobs to expire 10`);
  assert.deepEqual(
    ids.filter((id) => store.lookup(id).state === "expired"),
    ids.slice(990),
    "the ten that finished first expired",
  );
});

test("JobStore lists in submission order with filters and a cursor", () => {
  const store = new JobStore();
  const ids = [0, 1, 2, 3, 4].map((i) =>
    store.insert({ task: i % 2 ? "odd" : "even", input: i }, { fingerprint: `${i}` }).record.job.id
  );
  const page1 = store.list({ limit: 2 });
  assert.deepEqual(page1.jobs.map((j) => j.id), ids.slice(0, 2));
  const page2 = store.list({ limit: 2, cursor: page1.nextCursor });
  assert.deepEqual(page2.jobs.map((j) => j.id), ids.slice(2, 4));
  const last = store.list({ limit: 2, cursor: page2.nextCursor });
  assert.deepEqual(last.jobs.map((j) => j.id), ids.slice(4));
  assert.equal(last.nextCursor, undefined);
  assert.deepEqual(store.list({ task: "odd" }).jobs.map((j) => j.id), [ids[1], ids[3]]);
  store.update(ids[4], { status: "running" });
  assert.deepEqual(store.list({ status: "running" }).jobs.map((j) => j.id), [ids[4]]);
});

test("isoTime formats as Date's toISOString does, across seconds, years and before 1970", () => {
  const times = [
    0,
    -1,
    999,
    1000,
    1_000_000_000_123,
    1.7e12 + 0.9,
    -62_198_755_200_001,
    253_402_300_800_000,
  ];
  for (let i = 0; i < 2000; i++) times.push(Math.floor(1.7e12 + i * 7.3) - (i % 3) * 1000);
  for (const ms of times) assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
});

test("JobStore's sweep with a limit lets go of at most that many, jobs and tombstones together, and says more are due", () => {
  const c = clock(0);
  const store = new JobStore({ ttlMs: 100, now: c.now });
  const ids = Array.from({ length: 25 }, (_, i) => store.insert({ task: "t", input: i }, {}))
    .map(({ record }) => record.job.id);
  for (const id of ids) store.update(id, { status: "succeeded" });
  c.t = 100;
  assert.deepEqual(store.sweep(10), { expired: 10, forgotten: 0, more: true });
  assert.deepEqual(store.sweep(10), { expired: 10, forgotten: 0, more: true });
  assert.deepEqual(store.sweep(10), { expired: 5, forgotten: 0 });
  assert.deepEqual(
    ids.map((id) => store.lookup(id).state),
    ids.map(() => "expired"),
    "every job expired, none twice",
  );
  // One TTL later the 25 tombstones are due: they count against the limit too.
  c.t = 200;
  assert.deepEqual(store.sweep(20), { expired: 0, forgotten: 20, more: true });
  assert.deepEqual(store.sweep(20), { expired: 0, forgotten: 5 });
  assert.ok(ids.every((id) => store.lookup(id).state === "missing"));
});
