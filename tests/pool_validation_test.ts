// Options are validated up front: a bad option rejects the call (or throws from createPool or
// close) with an error naming the option, and never wedges the pool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pool, rejection, within } from "./fixtures/pool_helpers.ts";

// Lets a test pass values the types forbid, as JavaScript callers can.
// deno-lint-ignore no-explicit-any
type Loose = any;

test("run() rejects a transfer that is not an array with a TypeError naming 'transfer', and the pool carries on", async () => {
  const p = pool();
  try {
    for (const transfer of [{}, "buffer", 42, null]) {
      const buf = new ArrayBuffer(8);
      const error = await within(
        rejection(p.run("byteLength", buf, { transfer: transfer as Loose })),
        5000,
        `run() with transfer ${String(transfer)}`,
      );
      assert.ok(error instanceof TypeError, error.message);
      assert.match(error.message, /'transfer' must be an array of transferable objects/);
      assert.equal(buf.byteLength, 8, "nothing was transferred");
    }
    assert.equal(await within(p.run("add", { a: 1, b: 2 }), 5000, "a task after"), 3);
  } finally {
    await p.closeNow();
  }
});

test("run() rejects a transfer list holding something that cannot be transferred, naming its index", async () => {
  const p = pool();
  try {
    const buf = new ArrayBuffer(8);
    const error = await rejection(p.run("byteLength", buf, { transfer: [buf, 7 as Loose] }));
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /'transfer\[1\]' must be a transferable object/);
    assert.match(error.message, /current value is 7/);
    const view = new Uint8Array(4);
    const viewError = await rejection(p.run("echo", view, { transfer: [view as Loose] }));
    assert.match(viewError.message, /'transfer\[0\]'.*its \.buffer/);
  } finally {
    await p.closeNow();
  }
});

test("run() transfers the buffers of an iterable transfer list (a Set)", async () => {
  const p = pool();
  try {
    const buf = new ArrayBuffer(16);
    assert.equal(await p.run("byteLength", buf, { transfer: new Set([buf]) as Loose }), 16);
    assert.equal(buf.byteLength, 0, "the buffer was transferred, not cloned");
  } finally {
    await p.closeNow();
  }
});

// setTimeout and setInterval take a signed 32-bit delay: anything larger fires at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

test("run() refuses a timeoutMs past the largest timer delay instead of timing out at once", async () => {
  const p = pool();
  try {
    for (const timeoutMs of [2 ** 31, 2 ** 40]) {
      const error = await rejection(p.run("sleep", 20, { timeoutMs }));
      assert.ok(error instanceof RangeError, `${timeoutMs}: ${error.name}: ${error.message}`);
      assert.match(
        error.message,
        new RegExp(`Cannot run task 'sleep' as 'timeoutMs' must be at most ${MAX_TIMER_MS}`),
      );
      assert.match(error.message, new RegExp(`current value is ${timeoutMs}`));
    }
    assert.equal(await p.run("sleep", 20, { timeoutMs: MAX_TIMER_MS }), 20);
  } finally {
    await p.closeNow();
  }
});

test("close() refuses a timeoutMs past the largest timer delay and leaves the pool open", async () => {
  const p = pool();
  try {
    const running = p.run("sleep", 30);
    assert.throws(() => p.close({ timeoutMs: 2 ** 31 }), {
      name: "RangeError",
      message: new RegExp(`'timeoutMs' must be at most ${MAX_TIMER_MS}`),
    });
    assert.equal(await running, 30, "the running task was not cancelled");
    assert.equal(await p.run("add", { a: 1, b: 1 }), 2, "the pool is still open");
    await within(p.close({ timeoutMs: MAX_TIMER_MS }), 10_000, "close() with the largest delay");
  } finally {
    await p.closeNow();
  }
});

test("createPool() refuses idleTimeoutMs, cancelGraceMs and monitorIntervalMs past the largest timer delay", async () => {
  const cases: [string, Loose][] = [
    ["idleTimeoutMs", { idleTimeoutMs: 2 ** 31 }],
    ["cancelGraceMs", { cancelGraceMs: 2 ** 31 }],
    ["monitorIntervalMs", { autotune: { monitorIntervalMs: 2 ** 31 } }],
  ];
  for (const [name, options] of cases) {
    assert.throws(() => pool(options), {
      name: "RangeError",
      message: new RegExp(`'${name}' must be at most ${MAX_TIMER_MS}.*current value is ${2 ** 31}`),
    }, name);
  }
  const p = pool({
    idleTimeoutMs: MAX_TIMER_MS,
    cancelGraceMs: MAX_TIMER_MS,
    autotune: { monitorIntervalMs: MAX_TIMER_MS },
  });
  try {
    assert.equal(await p.run("add", { a: 2, b: 2 }), 4);
  } finally {
    await p.closeNow();
  }
});
