import { test } from "node:test";
import assert from "node:assert/strict";
import { MB_PENDING } from "../../src/transport/mailbox.ts";
import type { StartThread } from "../../src/transport/thread.ts";
import { ThreadLink } from "../../src/transport/thread_link.ts";

// A dozing worker leaves its doze when the mailbox counts a message on its way, and takes one off
// the count when a message arrives. A post can hand the worker this thread's core before this
// thread runs again, so the count must be up before the post: counted after it, the worker can
// read -1 at arrival, take it for "nothing on its way" and stop dozing. This thread stands for
// the worker: its post reads the count at the moment the message leaves.

test("a message to a thread is counted before it is posted, and uncounted when the post throws", () => {
  const seen: number[] = [];
  let mailbox: Int32Array | undefined;
  let refuse = false;
  const start: StartThread = () => ({
    post(message) {
      if (message.t === "init" && message.mailbox) mailbox = new Int32Array(message.mailbox);
      assert.ok(mailbox, "the init message carries the mailbox");
      seen.push(Atomics.load(mailbox, MB_PENDING));
      if (refuse) throw new DOMException("cannot be cloned", "DataCloneError");
    },
    terminate() {},
    ref() {},
    unref() {},
  });
  const events = {
    ready() {},
    initError() {},
    results() {},
    progress() {},
    exited() {},
  };
  const options = { moduleUrl: "file:///tasks.ts", concurrency: 1, startTimeoutMs: 60_000 };
  const link = new ThreadLink(1, options, events, start, "test");
  try {
    link.echo("ping");
    assert.deepEqual(seen, [1, 2], "each message was counted before its post");
    refuse = true;
    assert.throws(() => link.echo("refused"), { name: "DataCloneError" });
    assert.equal(Atomics.load(mailbox!, MB_PENDING), 2, "a message never posted is not on its way");
  } finally {
    link.terminate();
  }
});
