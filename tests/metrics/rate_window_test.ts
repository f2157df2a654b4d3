import { test } from "node:test";
import assert from "node:assert/strict";
import { RateWindow } from "../../src/metrics/rate_window.ts";

test("perSecond counts the events of the window's slots over the time they cover", () => {
  // windowMs 1000 with 10 slots of 100 ms: at `now` the slots from floor(now/100) - 9 count.
  const table: { events: number[]; now: number; want: number }[] = [
    { events: [], now: 500, want: 0 },
    { events: [0, 100, 200, 300, 400], now: 500, want: 10 }, // early run: span is 500 ms
    { events: [50, 950], now: 999, want: 2000 / 999 },
    { events: [0, 50, 2000], now: 2050, want: 1000 / 950 }, // old events left the window
    { events: [1000, 1000, 1000], now: 1999, want: 3000 / 999 },
  ];
  for (const { events, now, want } of table) {
    const w = new RateWindow(0, { windowMs: 1000, slots: 10 });
    for (const t of events) w.add(t);
    assert.ok(Math.abs(w.perSecond(now) - want) < 1e-9, `${events} at ${now}: ${w.perSecond(now)}`);
  }
});

test("a slot reused after the window wrapped starts again from zero", () => {
  const w = new RateWindow(0, { windowMs: 1000, slots: 10 });
  for (let i = 0; i < 50; i++) w.add(150);
  w.add(1150); // same slot index, next lap
  assert.ok(Math.abs(w.perSecond(1199) - 1000 / 999) < 1e-9); // not 51 events
});

test("add can count several events at once", () => {
  const w = new RateWindow(0, { windowMs: 1000, slots: 4 });
  w.add(10, 5);
  assert.equal(w.perSecond(500), 10);
  assert.equal(w.windowMs, 1000);
});

test("bad options are refused", () => {
  assert.throws(() => new RateWindow(0, { slots: 0 }), /'slots' must be an integer from 1/);
  assert.throws(() => new RateWindow(NaN), /'startedAt' must be a finite number/);
});

test("addAll counts each time as add does, across slots", () => {
  const one = new RateWindow(0, { windowMs: 1000 });
  const all = new RateWindow(0, { windowMs: 1000 });
  const times = [0, 10, 49, 50, 51, 300, 301, 1200, 1249, 1250];
  for (const t of times) one.add(t);
  all.addAll(times);
  for (const at of [999, 1260, 1900]) assert.equal(all.perSecond(at), one.perSecond(at));
});
