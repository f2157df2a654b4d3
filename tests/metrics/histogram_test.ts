import { test } from "node:test";
import assert from "node:assert/strict";
import { Histogram } from "../../src/metrics/histogram.ts";

/** Deterministic PRNG (mulberry32), so every run checks the same samples. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nearestRank(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

const distributions: [string, (r: () => number) => number][] = [
  ["uniform 0-100 ms", (r) => r() * 100],
  ["exponential, mean 20 ms", (r) => -20 * Math.log(1 - r())],
  ["log-uniform 0.01 ms to 60 s", (r) => 0.01 * 6_000_000 ** r()],
  ["bimodal 2 ms / 900 ms", (r) => (r() < 0.9 ? 2 + r() : 900 + r() * 50)],
  ["constant 5 ms", () => 5],
  ["mostly zeros", (r) => (r() < 0.6 ? 0 : r() * 10)],
];

test("percentiles stay within the relative error of a sorted-array reference", () => {
  for (const relativeError of [0.01, 0.05]) {
    for (const [name, draw] of distributions) {
      const r = rng(42);
      const h = new Histogram({ relativeError });
      const values = Array.from({ length: 5000 }, () => draw(r));
      for (const v of values) h.record(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of [0, 1, 50, 90, 99, 99.9, 100]) {
        const want = nearestRank(sorted, p);
        const got = h.percentile(p);
        // Zero-bucket values (< 1 µs) carry an absolute error of at most lowestMs.
        const bound = relativeError * want + 0.001 + 1e-9;
        assert.ok(
          Math.abs(got - want) <= bound,
          `${name}, a=${relativeError}, p${p}: got ${got}, want ${want} ± ${bound}`,
        );
      }
    }
  }
});

test("summary reports exact count, min, max and mean with p50/p90/p99", () => {
  const h = new Histogram();
  for (let v = 1; v <= 100; v++) h.record(v);
  const s = h.summary();
  assert.equal(s.count, 100);
  assert.equal(s.min, 1);
  assert.equal(s.max, 100);
  assert.equal(s.mean, 50.5);
  for (const [got, want] of [[s.p50, 50], [s.p90, 90], [s.p99, 99]]) {
    assert.ok(Math.abs(got - want) <= want * 0.01, `${got} vs ${want}`);
  }
});

test("memory is fixed: the bucket count does not grow with the number of values", () => {
  const h = new Histogram();
  const before = h.buckets;
  const r = rng(7);
  for (let i = 0; i < 200_000; i++) h.record(r() * 1e7);
  assert.equal(h.buckets, before);
  assert.ok(before < 1200, `defaults use ${before} buckets`);
  assert.equal(h.count, 200_000);
});

test("an empty histogram reports zeros", () => {
  assert.deepEqual(new Histogram().summary(), {
    count: 0,
    min: 0,
    max: 0,
    mean: 0,
    p50: 0,
    p90: 0,
    p99: 0,
  });
  assert.equal(new Histogram().percentile(99), 0);
});

test("values above highestMs are reported no higher than the exact maximum", () => {
  const h = new Histogram({ highestMs: 1000 });
  h.record(5000);
  h.record(7000);
  assert.ok(h.percentile(100) <= 7000);
  assert.ok(h.percentile(100) >= 1000);
  assert.equal(h.summary().max, 7000);
});

test("negative values count as 0 and non-finite values are refused", () => {
  const h = new Histogram();
  h.record(-3);
  assert.equal(h.summary().min, 0);
  assert.throws(() => h.record(NaN), RangeError);
  assert.throws(() => h.record(Infinity), /must be a finite number: current value is Infinity/);
});

test("bad options and percentiles are refused with messages naming them", () => {
  assert.throws(() => new Histogram({ relativeError: 0 }), /'relativeError' must be a number from/);
  assert.throws(() => new Histogram({ lowestMs: 10, highestMs: 15 }), /'highestMs'/);
  assert.throws(() => new Histogram().percentile(101), /'p' must be a number from 0 to 100/);
});

test("recordAll records each value as record does", () => {
  const one = new Histogram();
  const all = new Histogram();
  const values = [0.0001, 1, 2.5, 40, -3, 1000];
  for (const v of values) one.record(v);
  all.recordAll(values);
  assert.deepEqual(all.summary(), one.summary());
  assert.throws(() => all.recordAll([1, NaN]), RangeError);
});
