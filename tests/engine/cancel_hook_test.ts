// The cancel hook (src/engine/cancel_hook.ts): the job layer's way to cancel one call without an
// AbortSignal. On a real pool it must do all a signal does: cancel a queued call, abort a running
// task's context in its worker (which is then free), refuse a call cancelled before admission,
// and reach the context of a task run inline. A pool says it honours hooks; a runner given
// another pool falls back to a signal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CANCEL_HOOK, CancelHook, type HookedOptions } from "../../src/engine/cancel_hook.ts";
import { honoursCancelHook } from "../../src/jobs/attempt_call.ts";
import { openGate, pool, rejection, sharedInts, until, within } from "../fixtures/pool_helpers.ts";

function hooked(hook: CancelHook, options: HookedOptions = {}): HookedOptions {
  return { ...options, [CANCEL_HOOK]: hook };
}

/**
 * Starts `recordAbort` through a hook on `p`, cancels it while it runs, and checks that the call
 * rejects with the hook's reason and that the task's own context saw the abort (1: AbortError).
 */
async function cancelRunning(p: ReturnType<typeof pool>): Promise<void> {
  const state = sharedInts(2);
  const hook = new CancelHook();
  const [run] = p.runMany([{ name: "recordAbort", input: state, options: hooked(hook) }]);
  await until(() => Atomics.load(state, 1) === 1, "the task to start");
  hook.cancel(new DOMException("not needed", "AbortError"));
  const e = await within(rejection(run), 2_000, "the cancelled call to reject");
  assert.equal(e.name, "AbortError");
  assert.equal(e.message, "not needed");
  await until(() => Atomics.load(state, 0) !== 0, "the task to see the abort");
  assert.equal(Atomics.load(state, 0), 1);
}

test("a hook cancels a running task: its context's signal aborts in the worker, which is free again", async () => {
  const p = pool();
  try {
    await cancelRunning(p);
    // The one worker runs the next call.
    assert.equal(await within(p.run("echo", 5), 2_000, "the next call"), 5);
  } finally {
    // Bounded: with the hook lost, the task waiting for its abort would hold close() for ever.
    await p.close({ timeoutMs: 1_000 });
  }
});

test("a hook cancels a queued call, which never runs", async () => {
  const p = pool();
  try {
    const gate = sharedInts(2);
    const blocker = p.run("blockUntilOpened", gate);
    const hook = new CancelHook();
    const log = sharedInts(4);
    const [queued] = p.runMany([{
      name: "logRun",
      input: { log, value: 9 },
      options: hooked(hook),
    }]);
    hook.cancel(new DOMException("gone", "AbortError"));
    assert.equal((await rejection(queued)).message, "gone");
    // It left the queue at once, while the one worker is still blocked.
    assert.equal(p.stats().queueDepth, 0);
    openGate(gate);
    await blocker;
    assert.equal(await p.run("echo", 1), 1);
    assert.equal(Atomics.load(log, 0), 0, "the cancelled call ran");
  } finally {
    // Bounded: with the hook lost, the task waiting for its abort would hold close() for ever.
    await p.close({ timeoutMs: 1_000 });
  }
});

test("a call whose hook was cancelled before admission is refused with the hook's reason", async () => {
  const p = pool();
  try {
    const hook = new CancelHook();
    const reason = new DOMException("too late", "AbortError");
    hook.cancel(reason);
    const [run] = p.runMany([{ name: "echo", input: 1, options: hooked(hook) }]);
    assert.equal(await rejection(run), reason);
    // A second cancel is a no-op: the reason stays the first.
    hook.cancel(new Error("again"));
    assert.equal(hook.reason, reason);
  } finally {
    // Bounded: with the hook lost, the task waiting for its abort would hold close() for ever.
    await p.close({ timeoutMs: 1_000 });
  }
});

test("a hook reaches the context of a task run inline", async () => {
  const p = pool({ mode: "inline" });
  try {
    await cancelRunning(p);
  } finally {
    await p.close({ timeoutMs: 1_000 });
  }
});

test("workloom's pool honours the hook; another RunnerPool does not", async () => {
  const p = pool();
  try {
    assert.equal(honoursCancelHook(p), true);
    assert.equal(
      honoursCancelHook({ run: () => Promise.resolve(), whenRoom: () => Promise.resolve() }),
      false,
    );
  } finally {
    // Bounded: with the hook lost, the task waiting for its abort would hold close() for ever.
    await p.close({ timeoutMs: 1_000 });
  }
});
