import { test } from "node:test";
import assert from "node:assert/strict";
import { PoolClosedError, QueueFullError } from "../../mod.ts";
import { Admission, type AdmissionHost } from "../../src/engine/admission.ts";
import { Room } from "../../src/engine/backpressure.ts";
import { Closing } from "../../src/engine/closing.ts";
import { LaneQueues, LaneTable, WORKER_LANE } from "../../src/engine/lane_queues.ts";
import { PoolEvents } from "../../src/engine/pool_events.ts";
import { TaskSettler } from "../../src/engine/task_settler.ts";
import { MetricsRecorder } from "../../src/metrics/metrics_recorder.ts";

/** An admission over real queues with a bound of `maxQueue`, and what its host heard. */
function setup(maxQueue: number, onFull: "reject" | "wait") {
  const queues = new LaneQueues();
  const closing = new Closing();
  const recorder = new MetricsRecorder(0);
  const events = new PoolEvents();
  const heard = { queued: 0, left: 0, inWorker: 0 };
  const host: AdmissionHost = {
    queued: () => heard.queued++,
    cancelInWorker: () => heard.inWorker++,
    left: () => heard.left++,
  };
  const admission = new Admission(
    {
      queues,
      room: new Room(maxQueue, () => queues.size),
      lanes: new LaneTable({}, WORKER_LANE),
      settler: new TaskSettler(recorder, events, false),
      recorder,
      events,
      closing,
    },
    { onFull, maxQueue },
    host,
  );
  return { admission, queues, closing, heard };
}

test("run() queues a task in its lane and tells the host, which dispatches it", () => {
  const { admission, queues, heard } = setup(4, "reject");
  void admission.run("echo", 1);
  assert.equal(queues.size, 1);
  assert.equal(heard.queued, 1);
});

test("run() rejects with QueueFullError at the bound when onFull is reject", async () => {
  const { admission, queues } = setup(1, "reject");
  void admission.run("echo", 1);
  await assert.rejects(admission.run("echo", 2), QueueFullError);
  assert.equal(queues.size, 1);
});

test("with onFull wait a call waits for room and is queued once room frees", () => {
  const { admission, queues } = setup(1, "wait");
  void admission.run("echo", 1);
  void admission.run("echo", 2);
  assert.equal(queues.size, 1);
  queues.shift();
  admission.admitWaiters();
  assert.equal(queues.size, 1);
});

test("aborting a queued call removes it, rejects it with the signal's reason and tells the host", async () => {
  const { admission, queues, heard } = setup(4, "reject");
  const controller = new AbortController();
  const call = admission.run("echo", 1, { signal: controller.signal });
  controller.abort();
  await assert.rejects(call, { name: "AbortError" });
  assert.equal(queues.size, 0);
  assert.equal(heard.left, 1);
  assert.equal(heard.inWorker, 0);
});

test("a pool that is closing or closed admits nothing, and bad options reject the call", async () => {
  const { admission, closing } = setup(4, "reject");
  await assert.rejects(admission.run("echo", 1, { retries: -1 }), /'retries'/);
  closing.state = "closed";
  await assert.rejects(admission.run("echo", 1), PoolClosedError);
});
