import { test } from "node:test";
import assert from "node:assert/strict";
import { Ema, emaStep } from "../../src/metrics/ema.ts";

test("emaStep moves the previous average alpha of the way to the sample", () => {
  const table: [number | null, number, number, number][] = [
    [null, 7, 0.2, 7],
    [10, 20, 0.5, 15],
    [10, 20, 0.2, 12],
    [10, 0, 0.25, 7.5],
    [10, 20, 1, 20],
  ];
  for (const [previous, sample, alpha, want] of table) {
    assert.equal(emaStep(previous, sample, alpha), want, `${previous} ${sample} ${alpha}`);
  }
});

test("Ema starts at its first sample and then follows the recurrence", () => {
  const e = new Ema({ alpha: 0.5 });
  assert.equal(e.value, 0);
  assert.deepEqual([10, 20, 30, 30].map((x) => e.update(x)), [10, 15, 22.5, 26.25]);
  assert.equal(e.count, 4);
});

test("Ema converges to a constant input", () => {
  const e = new Ema();
  e.update(100);
  for (let i = 0; i < 200; i++) e.update(5);
  assert.ok(Math.abs(e.value - 5) < 1e-9);
});

test("Ema refuses an alpha outside (0, 1]", () => {
  assert.throws(() => new Ema({ alpha: 0 }), /'alpha' must be above 0/);
  assert.throws(
    () => new Ema({ alpha: 1.5 }),
    /'alpha' must be a number from 0 to 1: current value is 1.5/,
  );
});

test("updateAll takes samples in order, as update does one by one", () => {
  const one = new Ema({ alpha: 0.3 });
  const all = new Ema({ alpha: 0.3 });
  const samples = [5, 1, 9, 2, 8];
  for (const s of samples) one.update(s);
  assert.equal(all.updateAll(samples), one.value);
  assert.equal(all.count, 5);
  assert.equal(all.updateAll([]), one.value);
});
