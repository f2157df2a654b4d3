// The idle timer of the worker set: one timer for the whole set, due when the longest-idle worker
// reaches idleTimeoutMs, so a worker retires idleTimeoutMs after it went idle, not up to twice
// that (a timer re-armed for a full idleTimeoutMs after retiring an earlier one doubled the time a
// script that forgot close() takes to exit). setTimeout is stubbed to read the delays it is
// asked for, so nothing here depends on how late timers fire on a loaded machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PoolEvents } from "../../src/engine/pool_events.ts";
import type { MetricsRecorder } from "../../src/metrics/metrics_recorder.ts";
import { WorkerSet } from "../../src/engine/worker_set.ts";
import type { SpawnLink } from "../../src/transport/worker_link.ts";

interface FakeLink {
  id: number;
  state: string;
  taking: boolean;
  inFlight: Map<number, unknown>;
  idleSince: number;
  terminated: boolean;
  terminate(): void;
  gone(): Promise<void>;
}

const spawnFake = ((id: number) => {
  const link: FakeLink = {
    id,
    state: "ready",
    taking: true,
    inFlight: new Map(),
    idleSince: performance.now(),
    terminated: false,
    terminate: () => link.terminated = true,
    gone: () => Promise.resolve(),
  };
  return link;
}) as unknown as SpawnLink;

/** Runs `body` with setTimeout recording (and not scheduling) what it is asked for. */
function withRecordedTimers(body: (timers: { fn: () => void; ms: number }[]) => void): void {
  const g = globalThis as unknown as { setTimeout: unknown };
  const real = g.setTimeout;
  const timers: { fn: () => void; ms: number }[] = [];
  g.setTimeout = (fn: () => void, ms: number) => timers.push({ fn, ms });
  try {
    body(timers);
  } finally {
    g.setTimeout = real;
  }
}

test("the idle timer is due when the longest-idle worker reaches idleTimeoutMs", () => {
  const T = 1000;
  const idle = {
    minWorkers: 0,
    idleTimeoutMs: T,
    startTimeoutMs: 10_000,
    maxStartFailures: 3,
    maxWorkers: 2,
    concurrency: 1,
    cancelGraceMs: 1000,
  };
  const report = {
    events: new PoolEvents(),
    recorder: { workerRetired() {} } as unknown as MetricsRecorder,
  };
  const set = new WorkerSet("file:///tasks.ts", spawnFake, idle, report);
  const a = set.spawn() as unknown as FakeLink;
  const b = set.spawn() as unknown as FakeLink;
  withRecordedTimers((timers) => {
    const now = performance.now();
    a.idleSince = now - 0.9 * T; // retires in 0.1 T
    b.idleSince = now - 0.4 * T; // retires in 0.6 T
    set.armIdleTimer();
    assert.equal(timers.length, 1);
    assert.ok(
      timers[0].ms <= 0.1 * T + 5,
      `first timer due in ${timers[0].ms} ms, not ~${0.1 * T}`,
    );
    // It fires when a is due: a retires, b is not due yet, and the next timer is due when b is.
    a.idleSince -= 0.1 * T;
    b.idleSince -= 0.1 * T;
    timers[0].fn();
    assert.equal(a.terminated, true);
    assert.equal(b.terminated, false);
    assert.equal(timers.length, 2);
    assert.ok(
      timers[1].ms <= 0.5 * T + 5 && timers[1].ms >= 0.5 * T - 50,
      `the next timer is due in ${timers[1].ms} ms, not when b has been idle ${T} ms (~${0.5 * T})`,
    );
    b.idleSince -= 0.5 * T;
    timers[1].fn();
    assert.equal(b.terminated, true);
    assert.equal(set.list.length, 0);
    assert.equal(timers.length, 2, "no timer is armed once every worker has retired");
  });
});

test("a worker still busy when the timer fires is not retired, and no timer is left for it", () => {
  const T = 1000;
  const idle = {
    minWorkers: 0,
    idleTimeoutMs: T,
    startTimeoutMs: 10_000,
    maxStartFailures: 3,
    maxWorkers: 2,
    concurrency: 1,
    cancelGraceMs: 1000,
  };
  const report = {
    events: new PoolEvents(),
    recorder: { workerRetired() {} } as unknown as MetricsRecorder,
  };
  const set = new WorkerSet("file:///tasks.ts", spawnFake, idle, report);
  const a = set.spawn() as unknown as FakeLink;
  const b = set.spawn() as unknown as FakeLink;
  withRecordedTimers((timers) => {
    a.idleSince = performance.now() - T;
    b.inFlight.set(1, {});
    set.armIdleTimer();
    assert.ok(timers[0].ms <= 5, `a is due now, not in ${timers[0].ms} ms`);
    timers[0].fn();
    assert.equal(a.terminated, true);
    assert.equal(b.terminated, false);
    // b is busy: its results re-arm the timer when it goes idle (scheduler.results).
    assert.equal(timers.length, 1);
  });
});
