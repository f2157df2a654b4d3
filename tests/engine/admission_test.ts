import { test } from "node:test";
import assert from "node:assert/strict";
import { PoolClosedError, QueueFullError } from "../../src/errors.ts";
import { Admission } from "../../src/engine/admission.ts";
import { Room } from "../../src/engine/backpressure.ts";
import { Closing } from "../../src/engine/closing.ts";
import type { Drain } from "../../src/engine/drain.ts";
import { LaneQueues, LaneTable } from "../../src/engine/lane_queues.ts";
import { PoolEvents } from "../../src/engine/pool_events.ts";
import { TaskSettler } from "../../src/engine/task_settler.ts";
import type { WorkerSet } from "../../src/engine/worker_set.ts";
import { MetricsRecorder } from "../../src/metrics/metrics_recorder.ts";

/**
 * An admission over real queues with a bound of `maxQueue`; the parts below it that it calls
 * (dispatch, drain, the worker set) count their calls.
 */
function setup(maxQueue: number, onFull: "reject" | "wait") {
  const recorder = new MetricsRecorder(0);
  const events = new PoolEvents();
  const queues = new LaneQueues(recorder, events);
  const closing = new Closing();
  const room = new Room(maxQueue, queues);
  const heard = { turns: 0, drainChecks: 0, inWorker: 0 };
  const admission = new Admission({
    closing,
    lanes: new LaneTable({}, "worker"),
    queues,
    room,
    settler: new TaskSettler(recorder, events, false),
    workers: { cancelInWorker: () => heard.inWorker++ } as unknown as WorkerSet,
    dispatch: { schedule: () => heard.turns++ },
    drain: { maybeFinish: () => heard.drainChecks++ } as unknown as Drain,
    onFull,
  });
  return { admission, queues, room, closing, heard };
}

test("run() queues a task in its lane and schedules a dispatch turn for it", () => {
  const { admission, queues, heard } = setup(4, "reject");
  void admission.run("echo", 1);
  assert.equal(queues.lanes.worker.size, 1);
  assert.equal(heard.turns, 1);
});

test("run() rejects with QueueFullError at the bound when onFull is reject, and schedules no turn", async () => {
  const { admission, queues, heard } = setup(1, "reject");
  void admission.run("echo", 1);
  await assert.rejects(admission.run("echo", 2), QueueFullError);
  assert.equal(queues.size, 1);
  assert.equal(heard.turns, 1);
});

test("with onFull wait a call waits for room and is queued once room frees", () => {
  const { admission, queues, room } = setup(1, "wait");
  void admission.run("echo", 1);
  void admission.run("echo", 2);
  assert.equal(queues.size, 1);
  assert.equal(room.waiting, 1);
  queues.shift();
  assert.equal(room.admit(), 1);
  assert.equal(queues.size, 1);
});

test("runAll() queues every call in order with its own promise and schedules one turn", async () => {
  const { admission, queues, heard } = setup(2, "reject");
  const promises = admission.runAll([
    { name: "a", input: 1 },
    { name: "b", input: 2, options: { priority: 0 } },
    { name: "c", input: 3 },
  ]);
  assert.equal(promises.length, 3);
  assert.deepEqual(queues.drain().map((t) => t.name), ["a", "b"]);
  assert.equal(heard.turns, 1);
  await assert.rejects(promises[2], QueueFullError, "the third is past the bound");
});

test("aborting a queued call removes it, rejects it with the signal's reason and asks the drain", async () => {
  const { admission, queues, heard } = setup(4, "reject");
  const controller = new AbortController();
  const call = admission.run("echo", 1, { signal: controller.signal });
  controller.abort();
  await assert.rejects(call, { name: "AbortError" });
  assert.equal(queues.size, 0);
  assert.equal(heard.drainChecks, 1);
  assert.equal(heard.inWorker, 0);
});

test("a pool that is closing or closed admits nothing, and bad options reject the call", async () => {
  const { admission, closing } = setup(4, "reject");
  await assert.rejects(admission.run("echo", 1, { retries: -1 }), /'retries'/);
  closing.state = "closed";
  await assert.rejects(admission.run("echo", 1), PoolClosedError);
});
