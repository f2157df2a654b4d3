import { test } from "node:test";
import assert from "node:assert/strict";
import {
  fitsMailbox,
  MAILBOX_BYTES,
  mailboxViews,
  MB_REPLY_SEQ,
  readReply,
  readRequest,
  writeReply,
  writeRequest,
} from "../../src/transport/mailbox.ts";
import { createPool } from "../../mod.ts";

const views = () => mailboxViews(new SharedArrayBuffer(MAILBOX_BYTES));

test("a request round-trips every primitive through the mailbox", () => {
  const v = views();
  const values = [
    0,
    -1.5,
    Number.MAX_VALUE,
    NaN,
    true,
    false,
    null,
    undefined,
    "",
    "héllo ✓ 🌍",
    "x".repeat(600),
  ];
  for (const input of values) {
    assert.equal(writeRequest(v, 7, 3, "echo", input), true, String(input));
    assert.deepEqual(readRequest(v), { id: 7, slot: 3, name: "echo", input });
  }
});

test("objects, functions, bigints and long strings do not fit the mailbox", () => {
  const v = views();
  for (const input of [{ a: 1 }, [1], () => {}, 1n, "x".repeat(700), Symbol("s")]) {
    assert.equal(fitsMailbox(input), false, String(typeof input));
    assert.equal(writeRequest(v, 1, 0, "echo", input), false);
  }
});

test("a reply carries the value and timings, or says the result comes by message", () => {
  const v = views();
  writeReply(v, 9, { value: "done ✓", busyMs: 0.25, runMs: 0.5 });
  assert.equal(Atomics.load(v.i32, MB_REPLY_SEQ), 1);
  assert.deepEqual(readReply(v), {
    id: 9,
    viaMessage: false,
    value: "done ✓",
    busyMs: 0.25,
    runMs: 0.5,
  });
  writeReply(v, 10, { value: { not: "primitive" }, busyMs: 1, runMs: 1 });
  assert.deepEqual(readReply(v), { id: 10, viaMessage: true });
  writeReply(v, 11, null);
  assert.deepEqual(readReply(v), { id: 11, viaMessage: true });
  assert.equal(Atomics.load(v.i32, MB_REPLY_SEQ), 3);
});

test("one task at a time returns every kind of result intact, fast path or not", async () => {
  const p = createPool<typeof import("../fixtures/tasks.ts")>(
    new URL("../fixtures/tasks.ts", import.meta.url),
    {
      maxWorkers: 1,
      autotune: false,
    },
  );
  try {
    // Sequential calls: after the first, the worker dozes and later calls take the fast path.
    const inputs = [
      1,
      "two ✓",
      true,
      null,
      undefined,
      2.5,
      { three: [3] },
      "x".repeat(5000),
      false,
      -0,
    ];
    for (let round = 0; round < 3; round++) {
      for (const input of inputs) assert.deepEqual(await p.run("echo", input), input);
      await assert.rejects(p.run("fail", "sequential failure"), {
        name: "RangeError",
        message: "sequential failure",
      });
      assert.equal(await p.run("sleep", 2), 2);
      assert.equal(await p.run("add", { a: 1, b: 2 }), 3);
    }
    assert.equal(p.stats().inFlight, 0);
  } finally {
    await p.closeNow();
  }
});
