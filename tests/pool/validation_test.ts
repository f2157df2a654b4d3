// Options are validated up front: a bad option rejects the call (or throws from createPool or
// close) with an error naming the option, and never wedges the pool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createPool } from "../../mod.ts";
import { resolveControllerOptions } from "../../src/tuning/controller_options.ts";
import { filePathToUrl } from "../../src/engine/task_input.ts";
import { pool, rejection, tasksUrl, within } from "../fixtures/pool_helpers.ts";

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

// ——— unknown options, and options that were not checked ———

test("createPool() refuses an unknown option, naming it and listing the valid ones", () => {
  assert.throws(() => createPool(tasksUrl, { maxThreads: 4 } as Loose), (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /Cannot create pool as 'maxThreads' is not an option/);
    assert.match(e.message, /did you mean 'maxWorkers'\?/);
    assert.match(e.message, /valid options are: workload, environment, .*idleTimeoutMs.*autotune/);
    return true;
  });
});

test("createPool() refuses an unknown controller option in autotune, naming it", () => {
  assert.throws(
    () => createPool(tasksUrl, { autotune: { monitorInterval: 20 } as Loose }),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /'autotune\.monitorInterval' is not an option/);
      assert.match(e.message, /did you mean 'autotune\.monitorIntervalMs'\?/);
      return true;
    },
  );
  assert.throws(
    () => resolveControllerOptions(2, { scaleUp: 0.5 } as Loose),
    /Cannot create controller as 'scaleUp' is not an option.*valid options are: minWorkers/,
  );
});

test("run() refuses an unknown option, naming the task and the option", async () => {
  const p = pool();
  try {
    const error = await rejection(p.run("echo", 1, { timeout: 5 } as Loose));
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /Cannot run task 'echo' as 'timeout' is not an option/);
    assert.match(error.message, /did you mean 'timeoutMs'\?/);
    assert.match(error.message, /valid options are: priority, timeoutMs, signal/);
  } finally {
    await p.closeNow();
  }
});

test("run() refuses a signal that is not an AbortSignal and a stage that is not a non-empty string", async () => {
  const p = pool();
  try {
    const bad: [Loose, RegExp][] = [
      [
        { signal: "x" },
        /Cannot run task 'echo' as 'signal' must be an AbortSignal: current value is "x"/,
      ],
      [{ signal: {} }, /'signal' must be an AbortSignal/],
      [{ stage: "" }, /'stage' must be a non-empty string: current value is ""/],
      [{ stage: 5 }, /'stage' must be a non-empty string: current value is 5/],
      [{ onProgress: "log" }, /'onProgress' must be a function/],
    ];
    for (const [options, message] of bad) {
      const error = await rejection(p.run("echo", 1, options));
      assert.ok(error instanceof TypeError, `${JSON.stringify(options)}: ${error.name}`);
      assert.match(error.message, message);
    }
    assert.equal(
      await p.run("echo", 1, { stage: "load", signal: new AbortController().signal }),
      1,
    );
  } finally {
    await p.closeNow();
  }
});

test("close() refuses an unknown option and leaves the pool open", async () => {
  const p = pool();
  try {
    assert.throws(() => p.close({ timout: 1 } as Loose), {
      name: "TypeError",
      message: /Cannot close pool as 'timout' is not an option \(did you mean 'timeoutMs'\?\)/,
    });
    assert.equal(await p.run("echo", 3), 3, "the pool is still open");
  } finally {
    await p.closeNow();
  }
});

test("map() refuses an unknown option, a weight that is not a function and a bad signal", async () => {
  const p = pool();
  try {
    for (const inline of ["auto", false] as const) {
      const error = await rejection(p.map("echo", [1, 2], { wieght: () => 1, inline } as Loose));
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /Cannot map task 'echo' as 'wieght' is not an option/);
      assert.match(error.message, /did you mean 'weight'\?/);
    }
    const weight = await rejection(p.map("echo", [1], { weight: 3 } as Loose));
    assert.match(weight.message, /'weight' must be a function: current value is 3/);
    const signal = await rejection(p.map("echo", [1], { signal: "x" } as Loose));
    assert.match(signal.message, /'signal' must be an AbortSignal/);
    assert.deepEqual(await p.map("echo", [1, 2], { weight: (_, i) => i }), [1, 2]);
  } finally {
    await p.closeNow();
  }
});

test("createPool() takes an absolute file path as the module, with characters URLs escape", async () => {
  const dir = mkdtempSync(join(tmpdir(), "workloom paths "));
  // Not '?': Bun 1.4 cannot import a file whose name has one, even by pathToFileURL's URL.
  const file = join(dir, "tasks #1 %41.mjs");
  writeFileSync(file, "export function twice(x) { return 2 * x; }\n");
  try {
    const p = createPool<{ twice(x: number): number }>(file, { maxWorkers: 1, autotune: false });
    try {
      assert.equal(p.moduleUrl, pathToFileURL(file).href);
      assert.equal(await p.run("twice", 21), 42);
    } finally {
      await p.closeNow();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("filePathToUrl() encodes a path as pathToFileURL does, and takes Windows drive paths", () => {
  for (const path of ["/app/tasks.ts", "/a b/c#d/e%41f/g?h.ts", "/x/\\y.ts", "/ü/{}`.ts"]) {
    assert.equal(filePathToUrl(path), pathToFileURL(path).href, path);
  }
  assert.equal(filePathToUrl("C:\\app\\my tasks.ts"), "file:///C:/app/my%20tasks.ts");
});

test("createPool() refuses a relative path, saying to pass an absolute path or a URL", () => {
  for (const module of ["./tasks.ts", "tasks.ts", "../fixtures/tasks.ts"]) {
    assert.throws(() => createPool(module), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /'module' must be an absolute URL or an absolute file path/);
      assert.match(e.message, /new URL\("\.\/tasks\.ts", import\.meta\.url\)/);
      assert.ok(e.message.includes(JSON.stringify(module)), e.message);
      return true;
    });
  }
});

test("run() with a name that is not a string rejects with a TypeError, with options or without", async () => {
  const p = pool();
  try {
    // Without options, run() skips the options check (its hot path): the name is still checked.
    for (const name of [42, null, undefined, { toString: () => "echo" }]) {
      for (const call of [() => p.run(name as Loose, 1), () => p.run(name as Loose, 1, {})]) {
        const error = await within(rejection(call()), 5000, `run(${String(name)})`);
        assert.ok(error instanceof TypeError, `${String(name)}: ${error.name}: ${error.message}`);
        assert.match(error.message, /'name' must be a string: current value is/);
      }
    }
    assert.equal(await within(p.run("echo", 7), 5000, "a task after"), 7);
  } finally {
    await p.closeNow();
  }
});

test("run() checks an input it cannot send even without options, and sends primitives as they are", async () => {
  const p = pool();
  try {
    const error = await within(rejection(p.run("echo", (() => 1) as Loose)), 5000, "a function");
    assert.ok(error instanceof TypeError, error.message);
    assert.match(error.message, /functions cannot be cloned/);
    for (const input of [0, -1.5, "text", true, null, undefined, 10n]) {
      assert.equal(await within(p.run("echo", input as Loose), 5000, String(input)), input);
    }
  } finally {
    await p.closeNow();
  }
});
