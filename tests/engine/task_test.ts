// The task's state machine (src/engine/task.ts): every legal transition walked one by one, what
// each sets, and every illegal one refused with an error naming the transition and the state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Task, type TaskState } from "../../src/engine/task.ts";
import type { WorkerLink } from "../../src/transport/worker_link.ts";
import { TimeoutError } from "../../src/errors.ts";

const link = { id: 7 } as unknown as WorkerLink<Task>;

function task(options: { retries?: number; timeoutMs?: number; signal?: AbortSignal } = {}) {
  const heard: { ok?: boolean; value?: unknown; cancelled?: Error } = {};
  const t = Task.create({
    id: 1,
    name: "render",
    input: 1,
    options,
    transfer: undefined,
    lane: "worker",
    resolve: (value) => Object.assign(heard, { ok: true, value }),
    reject: (value) => Object.assign(heard, { ok: false, value }),
    cancel: (_task, error) => (heard.cancelled = error),
  });
  return { t, heard };
}

/** The task walked to `state` along legal transitions. */
function at(state: TaskState) {
  const made = task({ retries: 1 });
  if (state === "queued") return made;
  made.t.send(link, 3, 100);
  if (state === "sent") return made;
  made.t.start();
  if (state === "started") return made;
  made.t.settle(true, "done");
  return made;
}

test("a new task is queued, in no worker, with its options", () => {
  const { t } = task({ retries: 2 });
  assert.equal(t.state, "queued");
  assert.equal(t.worker, null);
  assert.equal(t.slot, -1);
  assert.equal(t.sentAt, 0);
  assert.equal(t.retriesLeft, 2);
  assert.equal(t.lane, "worker");
});

test("queued → queued by reroute() changes only its lane", () => {
  const { t } = task();
  t.reroute("async");
  assert.equal(t.state, "queued");
  assert.equal(t.lane, "async");
});

test("queued → sent by send() records the worker, the slot and when", () => {
  const { t } = at("sent");
  assert.equal(t.state, "sent");
  assert.equal(t.worker, link);
  assert.equal(t.slot, 3);
  assert.equal(t.sentAt, 100);
});

test("sent → started by start()", () => {
  const { t } = at("started");
  assert.equal(t.state, "started");
  assert.equal(t.worker, link);
});

test("sent → queued by reclaim() forgets the worker, the slot and the send time, retries untouched", () => {
  const { t } = at("sent");
  t.reclaim();
  assert.equal(t.state, "queued");
  assert.deepEqual([t.worker, t.slot, t.sentAt, t.retriesLeft], [null, -1, 0, 1]);
});

test("started → queued by retry() spends one retry, and a second retry with none left throws", () => {
  const { t } = at("started");
  t.retry();
  assert.equal(t.state, "queued");
  assert.deepEqual([t.worker, t.slot, t.sentAt, t.retriesLeft], [null, -1, 0, 0]);
  t.send(link, 4, 200);
  t.start();
  assert.throws(() => t.retry(), /Cannot retry task 'render' \(1\) as it has no retries left/);
  assert.equal(t.state, "started", "a refused retry changes nothing");
});

test("settle() from queued, sent and started resolves or rejects the caller once", () => {
  for (const state of ["queued", "sent", "started"] as const) {
    const ok = at(state);
    ok.t.settle(true, 42);
    assert.equal(ok.t.state, "settled");
    assert.equal(ok.t.settled, true);
    assert.deepEqual(ok.heard, { ok: true, value: 42 }, `resolved from ${state}`);
    const failed = at(state);
    const error = new Error("no");
    failed.t.settle(false, error);
    assert.deepEqual(failed.heard, { ok: false, value: error }, `rejected from ${state}`);
  }
});

test("a settled task keeps the worker it settled in, for the metrics", () => {
  const { t } = at("settled");
  assert.equal(t.worker, link);
});

test("illegal transitions throw and change nothing", () => {
  const illegal: [TaskState, string, (t: Task) => void][] = [
    ["queued", "start", (t) => t.start()],
    ["queued", "reclaim", (t) => t.reclaim()],
    ["queued", "retry", (t) => t.retry()],
    ["sent", "send", (t) => t.send(link, 1, 1)],
    ["sent", "reroute", (t) => t.reroute("async")],
    ["sent", "retry", (t) => t.retry()],
    ["started", "send", (t) => t.send(link, 1, 1)],
    ["started", "start", (t) => t.start()],
    ["started", "reclaim", (t) => t.reclaim()],
    ["started", "reroute", (t) => t.reroute("async")],
    ["settled", "send", (t) => t.send(link, 1, 1)],
    ["settled", "start", (t) => t.start()],
    ["settled", "reclaim", (t) => t.reclaim()],
    ["settled", "retry", (t) => t.retry()],
    ["settled", "reroute", (t) => t.reroute("async")],
    ["settled", "settle", (t) => t.settle(false, new Error("late"))],
  ];
  for (const [state, name, transition] of illegal) {
    const { t, heard } = at(state);
    const before = [t.state, t.worker, t.slot, t.sentAt, t.retriesLeft, t.lane];
    assert.throws(
      () => transition(t),
      new RegExp(`Cannot ${name} task 'render' \\(1\\) as it is`),
      `${name} from ${state}`,
    );
    assert.deepEqual([t.state, t.worker, t.slot, t.sentAt, t.retriesLeft, t.lane], before);
    if (state === "settled") {
      assert.deepEqual(heard, { ok: true, value: "done" }, "still settled once");
    }
  }
});

test("its timeout calls cancel with a TimeoutError, and settling disarms it", async () => {
  const fired = task({ timeoutMs: 1 });
  await new Promise<void>((resolve) => {
    const check = () => (fired.heard.cancelled ? resolve() : setTimeout(check, 1));
    check();
  });
  assert.ok(fired.heard.cancelled instanceof TimeoutError);
  const settled = task({ timeoutMs: 1 });
  settled.t.settle(true, 1);
  // Wait past the timeout by a later timer: timers fire in order of due time.
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(settled.heard.cancelled, undefined);
});

test("its signal calls cancel when aborted, an aborted signal refuses the task, and settling stops watching", () => {
  const c = new AbortController();
  const watched = task({ signal: c.signal });
  const settled = task({ signal: c.signal });
  settled.t.settle(true, 1);
  const reason = new Error("stop");
  c.abort(reason);
  assert.equal(watched.heard.cancelled, reason, "the signal's reason");
  assert.equal(settled.heard.cancelled, undefined);
  assert.throws(() => task({ signal: c.signal }), (e) => e === reason);
});
