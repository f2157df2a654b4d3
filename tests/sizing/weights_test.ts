import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clampWeight,
  DEFAULT_WEIGHT,
  estimateWeight,
  historyWeights,
  MAX_WEIGHT,
  MIN_WEIGHT,
  orderByWeight,
} from "../../src/sizing/weights.ts";

test("weights are clamped to [0.1, 5] like the seed's template weights", () => {
  assert.equal(MIN_WEIGHT, 0.1);
  assert.equal(MAX_WEIGHT, 5);
  const table: [number, number][] = [
    [0, 0.1],
    [0.05, 0.1],
    [0.1, 0.1],
    [1, 1],
    [3.2, 3.2],
    [5, 5],
    [12, 5],
  ];
  for (const [input, expected] of table) assert.equal(clampWeight(input), expected, String(input));
});

test("estimateWeight is 1 for a task nothing is known about", () => {
  assert.equal(DEFAULT_WEIGHT, 1);
  assert.equal(estimateWeight({ any: "task" }), 1);
  assert.equal(estimateWeight("x", { history: { a: 10, b: 30 }, name: "unmeasured" }), 1);
});

test("estimateWeight uses the user's weight function, clamped", () => {
  const weightOf = (t: { pages: number }) => t.pages / 10;
  const table: [number, number][] = [[10, 1], [25, 2.5], [0, 0.1], [200, 5]];
  for (const [pages, expected] of table) {
    assert.equal(estimateWeight({ pages }, { weightOf }), expected, `${pages} pages`);
  }
});

test("estimateWeight prefers weightOf over history", () => {
  const w = estimateWeight(1, { weightOf: () => 2, history: { a: 100, b: 1 }, name: "a" });
  assert.equal(w, 2);
});

test("estimateWeight uses a name's mean run time relative to the mean over all names", () => {
  const history = { resize: 30, thumb: 10, encode: 500, noop: 0 };
  // mean over names = 135
  const table: [string, number][] = [
    ["resize", 30 / 135],
    ["thumb", 0.1], // 10/135 ≈ 0.074, clamped up
    ["encode", 500 / 135],
    ["noop", 0.1],
  ];
  for (const [name, expected] of table) {
    assert.ok(Math.abs(estimateWeight(null, { history, name }) - expected) < 1e-12, name);
  }
});

test("historyWeights makes each name's mean relative to the mean over names, clamped", () => {
  assert.deepEqual(historyWeights({ resize: 30, thumb: 10 }), { resize: 1.5, thumb: 0.5 });
  assert.deepEqual(historyWeights({ a: 60, b: 30, c: 0 }), { a: 2, b: 1, c: 0.1 });
  assert.deepEqual(
    historyWeights({ a: 60, b: 0, c: 0, d: 0, e: 0, f: 0 }).a,
    5,
    "6× the mean is clamped",
  );
  assert.deepEqual(historyWeights({}), {});
  assert.deepEqual(historyWeights({ a: 0, b: 0 }), { a: 1, b: 1 }, "no measurable time yet");
});

test("orderByWeight puts heavy items first and keeps input order for ties", () => {
  const items = [
    { id: "a", w: 1 },
    { id: "b", w: 3 },
    { id: "c", w: 1 },
    { id: "d", w: 7 },
    { id: "e", w: 3 },
    { id: "f", w: 6 },
  ];
  const ids = (xs: typeof items) => xs.map((x) => x.id).join("");
  assert.equal(ids(orderByWeight(items, (x) => x.w)), "dfbeac");
  assert.equal(ids(orderByWeight(items, (x) => x.w, { descending: false })), "acbefd");
  assert.equal(ids(items), "abcdef", "the input is not reordered");
  assert.notEqual(orderByWeight(items, (x) => x.w), items, "a new array is returned");
});

test("orderByWeight calls weightOf once per item", () => {
  let calls = 0;
  orderByWeight([5, 3, 9, 1, 7], (x) => {
    calls++;
    return x;
  });
  assert.equal(calls, 5);
});

test("orderByWeight handles empty and single-item batches", () => {
  assert.deepEqual(orderByWeight([], () => 1), []);
  assert.deepEqual(orderByWeight(["only"], () => 1), ["only"]);
});

test("weights reject bad input with errors that name the option", () => {
  const table: [() => unknown, string, RegExp][] = [
    [
      () => clampWeight(-1),
      "RangeError",
      /'weight' must be a finite number >= 0: current value is -1/,
    ],
    [() => clampWeight(NaN), "RangeError", /'weight'.*NaN/],
    [() => estimateWeight(1, { weightOf: () => NaN }), "RangeError", /'weightOf\(task\)'.*NaN/],
    [() => estimateWeight(1, { weightOf: () => -2 }), "RangeError", /'weightOf\(task\)'.*-2/],
    [
      () => estimateWeight(1, { weightOf: 3 as unknown as () => number }),
      "TypeError",
      /'weightOf' must be a function/,
    ],
    [
      () => estimateWeight(1, { history: { a: 1 } }),
      "TypeError",
      /'name' must be a string when 'history' is given/,
    ],
    [
      () => estimateWeight(1, { history: { a: -1 }, name: "a" }),
      "RangeError",
      /'meansByName\.a'.*-1/,
    ],
    [() => historyWeights({ a: NaN }), "RangeError", /'meansByName\.a'.*NaN/],
    [
      () => orderByWeight([1, 2, 3], (x) => (x === 2 ? NaN : x)),
      "RangeError",
      /'weightOf\(items\[1\]\)'.*NaN/,
    ],
    [
      () => orderByWeight([1], null as unknown as () => number),
      "TypeError",
      /'weightOf' must be a function/,
    ],
    [
      () => orderByWeight([1], () => 1, { descending: "no" as unknown as boolean }),
      "TypeError",
      /'descending' must be a boolean/,
    ],
  ];
  for (const [fn, name, message] of table) {
    assert.throws(fn, (e: Error) => e.name === name && message.test(e.message), String(message));
  }
});
