// The shared abort watch: one listener per signal, every live callback called once on abort.
import { test } from "node:test";
import assert from "node:assert/strict";
import { onAbort } from "../../src/engine/abort_fanout.ts";
import { watchAbortListeners } from "../fixtures/abort_listeners.ts";

test("onAbort adds one listener per signal and removes it when the last callback leaves", () => {
  const watch = watchAbortListeners();
  try {
    const signal = new AbortController().signal;
    const stops = Array.from({ length: 50 }, () => onAbort(signal, () => {}));
    assert.equal(watch.peak, 1);
    assert.equal(watch.live(), 1);
    for (const stop of stops.slice(1)) stop();
    assert.equal(watch.live(), 1, "one callback is still waiting");
    stops[0]();
    stops[0](); // idempotent
    assert.equal(watch.live(), 0);
    // A new callback after the last one left adds the listener again.
    const again = onAbort(signal, () => {});
    assert.equal(watch.live(), 1);
    again();
    assert.equal(watch.live(), 0);
  } finally {
    watch.stop();
  }
});

test("an abort calls each waiting callback once, in order, and none that left before its turn", () => {
  const controller = new AbortController();
  const calls: string[] = [];
  let stopC = (): void => {};
  onAbort(controller.signal, () => {
    calls.push("a");
    stopC(); // a task settled by another's abort leaves before its turn
  });
  const stopB = onAbort(controller.signal, () => calls.push("b"));
  stopC = onAbort(controller.signal, () => calls.push("c"));
  const d = () => calls.push("d");
  onAbort(controller.signal, d);
  onAbort(controller.signal, d); // two registrations of one function: two calls
  stopB();
  controller.abort();
  controller.abort();
  assert.deepEqual(calls, ["a", "d", "d"]);
});
