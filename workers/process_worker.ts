/**
 * The child-process shell around the run loop (`task_runner.ts`), the worker side of the process
 * profile: it reads frames from stdin, hands the run loop a `post` that writes frames to stdout,
 * tells the pool which task it is about to start before it starts it, reports its resident memory
 * after each batch of results, answers heartbeats, and sends its last word on every way it can
 * end. When its stdin ends (the pool closed it, or the pool's process died) it exits: a child
 * never outlives its pool.
 *
 * @module
 */
import { openParentChannel } from "../src/adapter/parent_channel.ts";
import { runtime } from "../src/adapter/runtime.ts";
import { decodeValue, encodeValue } from "../src/adapter/structured_codec.ts";
import { hookUncaughtErrors, hookWorkerExit } from "../src/adapter/worker_exit_hooks.ts";
import { encodeFrame, FrameReader } from "../src/transport/frames.ts";
import type { ProcessFromWorker, ProcessToWorker } from "../src/transport/protocol.ts";
import { TaskRunner } from "./task_runner.ts";

const codec = { encode: encodeValue, decode: decodeValue };

function send(message: ProcessFromWorker): void {
  // encodeFrame throws for a value that cannot be serialized: the run loop then sends the
  // results one by one and turns the bad one into an error, as with postMessage.
  channel.write(encodeFrame(message, codec));
}

const runner = new TaskRunner(
  (message) => {
    send(message);
    if (message.t === "done") {
      const bytes = runtime.memoryUsage();
      if (bytes !== undefined) send({ t: "rss", bytes });
    }
  },
  (id) => send({ t: "started", id }),
  (id) => send({ t: "yielded", id }),
);

const reader = new FrameReader(codec, (frame) => {
  const m = frame as ProcessToWorker;
  if (m.t === "ping") send({ t: "pong", seq: m.seq });
  else runner.receive(m);
});

const channel = openParentChannel((chunk) => reader.push(chunk), () => {
  runner.lastWord("the pool closed the channel");
  channel.exit(0);
});

hookWorkerExit((reason) => runner.lastWord(reason.replace("the worker", "the child process")));
hookUncaughtErrors((reason) => {
  runner.lastWord(reason);
  channel.exit(1);
});
