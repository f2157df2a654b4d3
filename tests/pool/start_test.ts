// Start-up faults: a task module that ends its worker while loading, one that never finishes
// loading, and (on Deno) workers that may not read their files. Each must reject what waits with
// WorkerStartError, naming the cause, instead of respawning forever; and the pool recovers once
// the cause is gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createPool, WorkerStartError } from "../../mod.ts";
import { rejection, within } from "../fixtures/pool_helpers.ts";
import { runScript } from "../fixtures/run_script.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const fixture = (name: string) => new URL(`../fixtures/pool_faults/${name}`, import.meta.url);

test("a task module that exits while loading rejects waiting calls with WorkerStartError and stops respawning", async () => {
  const p = createPool(fixture("exits_at_import.ts"), {
    maxWorkers: 2,
    autotune: false,
    maxStartFailures: 3,
  });
  let spawned = 0;
  p.on("workerSpawned", () => spawned++);
  try {
    const calls = Array.from({ length: 5 }, (_, i) => rejection(p.run("never", i)));
    for (const e of await within(Promise.all(calls), 20_000, "the calls")) {
      assert.ok(e instanceof WorkerStartError, String(e));
      assert.match(e.message, /exit|code 3/);
    }
    assert.ok(spawned <= 3 + 1, `spawned ${spawned} workers`);
    assert.equal(p.workerCount, 0);
  } finally {
    await within(p.close(), 10_000, "close()");
  }
});

test("a task module whose top-level await never settles fails its calls after startTimeoutMs, and close() settles", async () => {
  const p = createPool(fixture("never_loads.ts"), {
    maxWorkers: 1,
    autotune: false,
    startTimeoutMs: 200,
    maxStartFailures: 2,
  });
  try {
    const e = await within(rejection(p.run("never", 1)), 20_000, "the call");
    assert.ok(e instanceof WorkerStartError, String(e));
    assert.match(e.message, /did not start within 200 ms/);
  } finally {
    await within(p.close(), 10_000, "close()");
  }
});

test("after a start-up storm the pool stays open and a later call starts a fresh worker", async () => {
  const flag = new URL(`../../.workloom/start-flag-${isDeno ? "deno" : "bun"}`, import.meta.url);
  mkdirSync(new URL("../../.workloom/", import.meta.url), { recursive: true });
  rmSync(flag, { force: true });
  const p = createPool(fixture("loads_once_flag_exists.ts"), {
    maxWorkers: 1,
    autotune: false,
    maxStartFailures: 2,
  });
  try {
    const e = await within(rejection(p.run("hello", undefined)), 20_000, "the failing call");
    assert.ok(e instanceof WorkerStartError, String(e));
    writeFileSync(flag, "");
    assert.equal(await within(p.run("hello", undefined), 20_000, "the later call"), "hello");
  } finally {
    rmSync(flag, { force: true });
    await within(p.close(), 10_000, "close()");
  }
});

if (isDeno) {
  test("on Deno without --allow-read the call rejects with WorkerStartError naming the permission, and the process exits", async () => {
    // No permission flags at all: the script may not read the worker's files.
    const out = await runScript("tests/fixtures/start_without_read.ts", [], {
      limitMs: 30_000,
      denoFlags: [],
    });
    assert.equal(out.killed, false, `the process did not exit: ${out.stdout}`);
    assert.match(out.stdout, /^WorkerStartError: .*(read|permission|NotCapable)/i);
  });
}
