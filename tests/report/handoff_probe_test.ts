import { test } from "node:test";
import assert from "node:assert/strict";
import { formatHandoff, type HandoffMode, probeHandoff } from "../../src/report/handoff_probe.ts";

/** A fake round trip: advances a fake clock by a cost per MiB for each mode, plus jitter. */
function fake(costPerMiB: Record<HandoffMode, number>, jitter: number[] = [0]) {
  let now = 0;
  let call = 0;
  const seen: { mode: HandoffMode; buffer: ArrayBuffer | SharedArrayBuffer }[] = [];
  return {
    clock: () => now,
    seen,
    send: (payload: ArrayBuffer | SharedArrayBuffer, mode: HandoffMode): Promise<void> => {
      seen.push({ mode, buffer: payload });
      now += (payload.byteLength / 1048576) * costPerMiB[mode] + jitter[call++ % jitter.length];
      return Promise.resolve();
    },
  };
}

test("probeHandoff reports the median round trip per size and mode", async () => {
  // Rounds per (size, mode): 1 warm-up then 3 timed; jitter cycles 100, 0, 5, 1 so the timed
  // rounds of each pair get a known spread and the warm-up's 100 ms never counts.
  const f = fake({ clone: 2, transfer: 0.25, shared: 0 }, [100, 0, 5, 1]);
  const rows = await probeHandoff(f.send, { sizes: [1048576, 4194304], rounds: 3, clock: f.clock });
  const got = rows.map((r) => [r.bytes, r.mode, r.medianMs, r.minMs, r.maxMs, r.rounds, r.error]);
  assert.deepEqual(got, [
    [1048576, "clone", 3, 2, 7, 3, null],
    [1048576, "transfer", 1.25, 0.25, 5.25, 3, null],
    [1048576, "shared", 1, 0, 5, 3, null],
    [4194304, "clone", 9, 8, 13, 3, null],
    [4194304, "transfer", 2, 1, 6, 3, null],
    [4194304, "shared", 1, 0, 5, 3, null],
  ]);
});

test("an even number of rounds takes the mean of the two middle times", async () => {
  const f = fake({ clone: 0, transfer: 0, shared: 0 }, [0, 1, 2, 4, 8]);
  const [row] = await probeHandoff(f.send, {
    sizes: [1024],
    modes: ["clone"],
    rounds: 4,
    clock: f.clock,
  });
  assert.equal(row.medianMs, 3);
});

test("transfer gets a fresh buffer every round, clone reuses one, shared is a SharedArrayBuffer", async () => {
  const f = fake({ clone: 0, transfer: 0, shared: 0 });
  await probeHandoff(f.send, { sizes: [64], rounds: 3, warmup: 0, clock: f.clock });
  const buffers = (mode: HandoffMode) => f.seen.filter((s) => s.mode === mode).map((s) => s.buffer);
  assert.equal(new Set(buffers("transfer")).size, 3);
  assert.equal(new Set(buffers("clone")).size, 1);
  assert.ok(buffers("shared").every((b) => b instanceof SharedArrayBuffer));
  assert.ok(buffers("clone").every((b) => b instanceof ArrayBuffer && b.byteLength === 64));
  assert.equal(new Uint8Array(buffers("clone")[0] as ArrayBuffer)[63], 1);
});

test("a mode whose send rejects is reported with its error and shown as n/a", async () => {
  const f = fake({ clone: 1, transfer: 1, shared: 1 });
  const send = (p: ArrayBuffer | SharedArrayBuffer, mode: HandoffMode) =>
    mode === "shared" ? Promise.reject(new Error("no shared memory here")) : f.send(p, mode);
  const rows = await probeHandoff(send, { sizes: [1024], rounds: 1, clock: f.clock });
  const shared = rows.find((r) => r.mode === "shared")!;
  assert.deepEqual([shared.medianMs, shared.rounds, shared.error], [
    null,
    0,
    "no shared memory here",
  ]);
  const text = formatHandoff(rows);
  assert.match(text, /\n {2}1 KiB +0\.00 ms +0\.00 ms +n\/a\n/);
  assert.match(text, /\n {2}n\/a shared: no shared memory here\n$/);
});

test("formatHandoff lays out one line per size and one column per mode", () => {
  const row = (bytes: number, mode: HandoffMode, medianMs: number) => ({
    bytes,
    mode,
    medianMs,
    minMs: medianMs,
    maxMs: medianMs,
    rounds: 5,
    error: null,
  });
  const text = formatHandoff([
    row(1024, "clone", 0.05),
    row(1024, "transfer", 0.07),
    row(16777216, "clone", 12.5),
    row(16777216, "transfer", 0.09),
  ]);
  assert.deepEqual(text.split("\n"), [
    "Hand-off round trip, median of 5 rounds",
    "  payload    clone  transfer",
    "  -------  -------  --------",
    "  1 KiB    0.05 ms   0.07 ms",
    "  16 MiB   12.5 ms   0.09 ms",
    "",
  ]);
});

test("bad options are refused", async () => {
  const f = fake({ clone: 0, transfer: 0, shared: 0 });
  await assert.rejects(
    probeHandoff(f.send, { sizes: [0] }),
    /'sizes\[0\]' must be a positive integer/,
  );
  await assert.rejects(probeHandoff(f.send, { rounds: 0 }), /'rounds' must be a positive integer/);
  await assert.rejects(
    probeHandoff(f.send, { modes: ["copy" as HandoffMode] }),
    /'modes\[0\]' must be one of "clone", "transfer", "shared"/,
  );
});
