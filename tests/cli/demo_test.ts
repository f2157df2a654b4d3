import { test } from "node:test";
import assert from "node:assert/strict";
import { type DemoTaskModule, runDemo } from "../../src/cli/demo.ts";
import * as tasks from "../../examples/tasks.ts";

const tasksUrl = new URL("../../examples/tasks.ts", import.meta.url);

// A compile-time check that the example module is what the demo calls.
const exampleModule: DemoTaskModule = tasks;

async function demo(
  batch: number,
): Promise<{ lines: string[]; result: Awaited<ReturnType<typeof runDemo>> }> {
  const lines: string[] = [];
  const result = await runDemo(tasksUrl, {
    batch,
    write: (l) => lines.push(l),
    // The local profile, so the thresholds this test relies on hold under CI=true as well.
    pool: { maxWorkers: 2, environment: "local" },
  });
  return { lines, result };
}

/** The last line matching `start` (the closing summary comes after the report). */
function line(lines: string[], start: RegExp): string {
  const found = lines.findLast((l) => start.test(l));
  assert.ok(found, `no line matches ${start}:\n${lines.join("\n")}`);
  return found;
}

test("runDemo prints the profile, the pool's size and why, the speed-up, and closes every worker", async () => {
  const { lines, result } = await demo(16);
  assert.match(lines[0], /^workloom demo on (deno|bun) /);
  for (const label of ["cores", "memory total", "shared memory", "environment"]) {
    line(lines, new RegExp(`^  ${label} `));
  }
  assert.match(line(lines, /^ {2}max workers /), /^ {2}max workers\s+2\s+maxWorkers option$/);
  assert.match(line(lines, /^batch: /), /^batch: map\(\) over 16 countPrimes ranges, heavy first$/);
  assert.match(
    line(lines, /^ {2}scheduler /),
    /workers: ~[\d.]+ m?s of work >= the \d+ ms worth a hand-off/,
  );
  assert.match(
    line(lines, /^ {2}sequential /),
    /estimate: 16 of 16 tasks timed on one warm worker/,
  );
  assert.match(
    line(lines, /^ {2}speed-up /),
    /^ {2}speed-up\s+\d+\.\d\dx\s+\(ideal \d\.\d\dx on \d+ effective cores\)$/,
  );
  // pi(16 * 25,000) = pi(400,000): the batch's results all came back, in the right places.
  assert.match(line(lines, /^ {2}primes /), /^ {2}primes\s+33,860\s+below 400,000$/);
  assert.match(line(lines, /^ {2}workers left /), /^ {2}workers left\s+0$/);
  assert.match(
    line(lines, /^ {2}tasks /),
    new RegExp(`^  tasks\\s+${16 + 2 + 8} completed, 0 failed$`),
  );
  assert.equal(result.workersLeft, 0);
  assert.equal(result.failed, 0);
  assert.ok(result.workersUsed >= 1 && result.workersUsed <= 2);
  assert.ok(Number.isFinite(result.speedup) && result.speedup > 0);
});

test("runDemo's priority table lists the tasks in the order the scheduler sent them", async () => {
  const { lines } = await demo(12);
  const start = lines.indexOf(line(lines, /^run\(\) with priorities: 8 tasks queued at once/));
  const rows = lines.slice(start + 3, start + 11).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows.map((r) => [r[0], r[1], r[2], r[3]]), [
    ["1", "8", "renderPage", "-1"],
    ["2", "6", "renderPage", "0"],
    ["3", "7", "renderPage", "0"],
    ["4", "4", "checksum", "1"],
    ["5", "5", "checksum", "1"],
    ["6", "1", "fetchRecord", "2"],
    ["7", "2", "fetchRecord", "2"],
    ["8", "3", "fetchRecord", "2"],
  ]);
  line(lines, /^workloom report: demo$/);
});

test("the demo runs a batch where its scheduler line says, inline below the minimum work", async () => {
  // The demo decides on work it timed on this thread, and one range times at 1-18 ms on a busy
  // machine (the first call pays for the JIT): the line and the run must agree either way.
  const { lines, result } = await demo(1);
  const scheduler = line(lines, /^ {2}scheduler /);
  const parallel = line(lines, /^ {2}parallel /);
  const inline = /inline: ~([\d.]+) ms of work < the (\d+) ms worth a hand-off/.exec(scheduler);
  if (inline) {
    assert.ok(Number(inline[1]) < Number(inline[2]), scheduler);
    assert.match(parallel, /wall time of map\(\) on this thread$/);
    assert.equal(result.workersUsed, 0);
  } else {
    assert.match(scheduler, /workers: ~[\d.]+ m?s of work >= the \d+ ms worth a hand-off/);
    assert.match(parallel, /wall time of map\(\) on 1 worker$/);
    assert.equal(result.workersUsed, 1);
  }
  assert.equal(result.workersLeft, 0);
});

test("runDemo rejects a batch size that is not a positive integer, naming the option", async () => {
  for (const batch of [0, -1, 1.5, Number.NaN]) {
    await assert.rejects(
      runDemo(tasksUrl, { batch, write: () => {} }),
      (e: unknown) =>
        e instanceof RangeError && /Cannot run demo as 'batch' must be/.test(e.message),
    );
  }
});

test("the example tasks compute known answers", async () => {
  const m = exampleModule;
  const table: [{ from: number; to: number }, number][] = [
    [{ from: 0, to: 2 }, 0],
    [{ from: 0, to: 3 }, 1],
    [{ from: 0, to: 100 }, 25],
    [{ from: 100, to: 200 }, 21],
    [{ from: 0, to: 100_000 }, 9_592],
  ];
  for (const [range, primes] of table) {
    assert.equal(m.countPrimes(range), primes, JSON.stringify(range));
  }
  assert.equal(m.checksum(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(m.checksum(new Uint8Array(0)), 0);
  const html = m.renderPage({ title: "A & <B>", rows: [{ name: '"x"', qty: 2, price: 1.25 }] });
  assert.match(html, /<h1>A &amp; &lt;B&gt;<\/h1>/);
  assert.match(html, /<td>&quot;x&quot;<\/td><td>2<\/td><td>2\.50<\/td>/);
  assert.match(html, /<td>total<\/td><td><\/td><td>2\.50<\/td>/);
  const ctx = { signal: new AbortController().signal, shouldStop: () => false, progress: () => {} };
  assert.deepEqual(await m.fetchRecord({ id: 3, latencyMs: 1 }, ctx), {
    id: 3,
    name: "record-3",
    latencyMs: 1,
  });
});

test("fetchRecord stops waiting when its task is cancelled", async () => {
  const controller = new AbortController();
  const ctx = {
    signal: controller.signal,
    shouldStop: () => controller.signal.aborted,
    progress: () => {},
  };
  const pending = tasks.fetchRecord({ id: 1, latencyMs: 60_000 }, ctx);
  controller.abort(new Error("cancelled"));
  await assert.rejects(pending, /cancelled/);
});
