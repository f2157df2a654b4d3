import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostics, type PoolDiagnostics } from "../../src/report/diagnostics.ts";

const diagnostics: PoolDiagnostics = {
  at: 50_000,
  runtime: "deno 2.9.6",
  queueDepth: 3,
  inFlight: 2,
  workers: [
    {
      id: 1,
      state: "busy",
      currentTask: "render",
      runningMs: 120,
      tasksDone: 7,
      memoryBytes: 48 * 1024 * 1024,
    },
    {
      id: 2,
      state: "busy",
      currentTask: "hash",
      runningMs: 45_000,
      tasksDone: 2,
      memoryBytes: null,
    },
    { id: 3, state: "idle", currentTask: null, runningMs: null, tasksDone: 11, memoryBytes: 1536 },
    {
      id: 4,
      state: "starting",
      currentTask: null,
      runningMs: null,
      tasksDone: 0,
      memoryBytes: null,
    },
  ],
};

test("formatDiagnostics summarises states and lists every worker", () => {
  const lines = formatDiagnostics(diagnostics).split("\n");
  assert.equal(lines[0], "workloom diagnostics (deno 2.9.6)");
  assert.equal(lines[1], "  4 workers: 1 starting, 1 idle, 2 busy; 3 queued, 2 in flight");
  assert.match(lines[2], /^ {2}worker +state +task +running +done +memory$/);
  const table: RegExp[] = [
    /^ {2}1 +busy +render +120\.0 ms +7 +48 MiB$/,
    /^ {2}2 +busy +hash +45\.00 s ! +2 +-$/,
    /^ {2}3 +idle +- +- +11 +1\.5 KiB$/,
    /^ {2}4 +starting +- +- +0 +-$/,
  ];
  table.forEach((re, i) => assert.match(lines[4 + i], re));
});

test("a task running longer than slowAfterMs is marked and explained", () => {
  const text = formatDiagnostics(diagnostics);
  assert.match(text, /\n {2}! worker 2 has run 'hash' for 45\.00 s: it may be stuck/);
  const relaxed = formatDiagnostics(diagnostics, { slowAfterMs: 60_000 });
  assert.ok(!relaxed.includes("!"));
  assert.match(formatDiagnostics(diagnostics, { slowAfterMs: 100 }), /worker 1 has run 'render'/);
});

test("an empty pool formats without a state summary", () => {
  const text = formatDiagnostics({
    at: 0,
    runtime: "bun 1.4.5",
    queueDepth: 0,
    inFlight: 0,
    workers: [],
  });
  assert.match(
    text,
    /^workloom diagnostics \(bun 1\.4\.5\)\n {2}0 workers; 0 queued, 0 in flight\n/,
  );
});

test("a bad slowAfterMs is refused", () => {
  assert.throws(
    () => formatDiagnostics(diagnostics, { slowAfterMs: -1 }),
    /'slowAfterMs' must be a finite number >= 0/,
  );
});
