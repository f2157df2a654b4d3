import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtime } from "../../mod.ts";
import {
  atDeadline,
  deadlineTimers,
  idleDeadlineTimers,
  releaseDeadlines,
} from "../../src/jobs/wait_deadlines.ts";

/** Resolves with the time `fire` ran, once it does. */
function deadline(waitMs: number): { fired: Promise<number>; cancel: () => void; start: number } {
  const start = performance.now();
  let cancel = () => {};
  const fired = new Promise<number>((resolve) => {
    cancel = atDeadline(() => resolve(performance.now()), waitMs);
  });
  return { fired, cancel, start };
}

test("waiters of one wait length share one timer, fire no earlier than their deadlines, in order", async () => {
  const a = deadline(30);
  const b = deadline(30);
  const c = deadline(45);
  assert.equal(deadlineTimers(), 2, "one timer per wait length");
  const order: string[] = [];
  const times = await Promise.all([
    a.fired.then((t) => (order.push("a"), t)),
    b.fired.then((t) => (order.push("b"), t)),
    c.fired.then((t) => (order.push("c"), t)),
  ]);
  assert.ok(times[0] - a.start >= 29, `a fired after ${times[0] - a.start} ms`);
  assert.ok(times[1] - b.start >= 29, `b fired after ${times[1] - b.start} ms`);
  assert.ok(times[2] - c.start >= 44, `c fired after ${times[2] - c.start} ms`);
  assert.equal(order.indexOf("a") < order.indexOf("b"), true);
  assert.equal(deadlineTimers(), 0, "no timer left once every waiter is gone");
});

test("a waiter answered first never fires, the next one still does, and the last to go takes the timer", async () => {
  const first = deadline(40);
  const second = deadline(40);
  let firstFired = false;
  void first.fired.then(() => (firstFired = true));
  first.cancel(); // the one the timer was set for
  first.cancel(); // twice changes nothing
  const at = await second.fired;
  assert.ok(at - second.start >= 39, `the second fired after ${at - second.start} ms`);
  assert.equal(firstFired, false);
  const third = deadline(40);
  assert.equal(deadlineTimers(), 1);
  third.cancel();
  assert.equal(deadlineTimers(), 0, "cancelling the last waiter clears the timer");
});

test("a waiter let go after it fired (as a caller's finally does) leaves the later ones of its length armed", async () => {
  const first = deadline(30);
  await new Promise((r) => setTimeout(r, 10));
  const second = deadline(30); // due after the first: the timer fires for the first alone
  const firstAt = await first.fired;
  first.cancel(); // after its deadline: it must not take the second one's with it
  assert.ok(firstAt - first.start >= 29);
  assert.equal(deadlineTimers(), 1, "the second one's timer is still set");
  const at = await second.fired;
  assert.ok(at - second.start >= 29, `the second fired after ${at - second.start} ms`);
  assert.equal(deadlineTimers(), 0);
});

test("a length left without waiters keeps its timer for the next waiter (no setTimeout per request), and releaseDeadlines() clears it", async () => {
  releaseDeadlines(); // what the tests above left kept
  const real = globalThis.setTimeout;
  let set = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    set++;
    return real(...args);
  }) as typeof setTimeout;
  try {
    atDeadline(() => {}, 60)(); // answered in time
    assert.equal(set, 1);
    assert.equal(idleDeadlineTimers(), 1, "the length keeps its timer");
    assert.equal(deadlineTimers(), 0, "for no waiter");
    const next = deadline(60);
    assert.equal(set, 1, "the next waiter takes the kept timer over: no new setTimeout");
    assert.equal(idleDeadlineTimers(), 0);
    assert.equal(deadlineTimers(), 1);
    const at = await next.fired;
    assert.ok(at - next.start >= 59, `the next waiter fired after ${at - next.start} ms`);
    assert.equal(deadlineTimers() + idleDeadlineTimers(), 0, "a fired length lets its list go");
  } finally {
    globalThis.setTimeout = real;
  }
  atDeadline(() => {}, 70)();
  assert.equal(idleDeadlineTimers(), 1);
  releaseDeadlines();
  assert.equal(idleDeadlineTimers(), 0, "released at shutdown");
  // A waiter after the release arms a timer of its own and still fires.
  const after = deadline(70);
  assert.equal(deadlineTimers(), 1);
  await after.fired;
});

test("a kept timer does not keep the process alive: a program whose last waiter was answered exits at once", async () => {
  const module = new URL("../../src/jobs/wait_deadlines.ts", import.meta.url).href;
  const dir = mkdtempSync(join(tmpdir(), "workloom-deadlines-"));
  const script = join(dir, "answered.ts");
  writeFileSync(
    script,
    `import { atDeadline } from ${JSON.stringify(module)};\n` +
      `atDeadline(() => console.log("fired"), 12_000)();\nconsole.log("answered");\n`,
  );
  try {
    const args = runtime.key === "deno" ? ["run", "-A", script] : [script];
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (c) => (text += c));
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    const took = performance.now() - t0;
    assert.equal(out.trim(), "answered");
    // The kept timer is 12 s long: a process it held would run that long.
    assert.ok(took < 9_000, `the program ran ${took} ms: the kept timer held it`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
