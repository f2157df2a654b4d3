/**
 * A histogram with fixed buckets that keeps both the totals since start (what a Prometheus
 * `_seconds` histogram needs: cumulative, never reset) and the last `windowMs` in rotating slots
 * (what an operator looking at "now" needs). Fixed memory: buckets × (1 + slots) numbers.
 *
 * @module
 */

/** Bucket bounds in seconds: 1 ms to 60 s, about ×2.5 apart. */
export const SECONDS_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

interface Slot {
  start: number;
  counts: number[];
  sum: number;
}

/** Options of {@linkcode WindowHistogram}. */
export interface WindowHistogramOptions {
  /** Upper bounds of the buckets, ascending. @default {SECONDS_BUCKETS} */
  bounds?: readonly number[];
  /** Length of the recent window, in ms. @default {60000} */
  windowMs?: number;
  /** Slots the window rotates through (the window moves in steps of windowMs / slots). @default {6} */
  slots?: number;
}

/**
 * Totals and a sliding window of observations.
 *
 * @example
 * ```ts
 * import { WindowHistogram } from "./window_histogram.ts";
 * const h = new WindowHistogram();
 * h.observe(0.02, 1000);
 * console.log(h.count, h.window(1000).count); // 1 1
 * ```
 */
export class WindowHistogram {
  readonly bounds: readonly number[];
  readonly windowMs: number;
  /** Counts per bucket since start; the last one is above every bound. */
  readonly counts: number[];
  count = 0;
  sum = 0;
  #slotMs: number;
  #slots: Slot[];

  constructor(options: WindowHistogramOptions = {}) {
    this.bounds = options.bounds ?? SECONDS_BUCKETS;
    this.windowMs = options.windowMs ?? 60_000;
    const slots = options.slots ?? 6;
    this.#slotMs = this.windowMs / slots;
    this.counts = new Array(this.bounds.length + 1).fill(0);
    this.#slots = Array.from({ length: slots }, () => ({
      start: -Infinity,
      counts: new Array(this.bounds.length + 1).fill(0),
      sum: 0,
    }));
  }

  #bucket(value: number): number {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    return i;
  }

  /** Records `value` (seconds) at clock time `now` (ms). */
  observe(value: number, now: number): void {
    const b = this.#bucket(value);
    this.counts[b]++;
    this.count++;
    this.sum += value;
    const start = Math.floor(now / this.#slotMs) * this.#slotMs;
    const slot = this.#slots[Math.floor(now / this.#slotMs) % this.#slots.length];
    // A slot last used a whole window ago is reused: forget what it held.
    if (slot.start !== start) {
      slot.start = start;
      slot.counts.fill(0);
      slot.sum = 0;
    }
    slot.counts[b]++;
    slot.sum += value;
  }

  /** Bucket counts, count and sum of the observations in the window ending at `now`. */
  window(now: number): { counts: number[]; count: number; sum: number } {
    const counts = new Array(this.bounds.length + 1).fill(0);
    let sum = 0;
    for (const slot of this.#slots) {
      if (slot.start <= now - this.windowMs) continue;
      slot.counts.forEach((c, i) => (counts[i] += c));
      sum += slot.sum;
    }
    return { counts, count: counts.reduce((a, b) => a + b, 0), sum };
  }

  /**
   * The `q` quantile of the window ending at `now`, interpolated inside its bucket as Prometheus'
   * `histogram_quantile` does; `null` when the window is empty.
   */
  quantile(q: number, now: number): number | null {
    const { counts, count } = this.window(now);
    if (count === 0) return null;
    const rank = q * count;
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      if (seen + counts[i] >= rank && counts[i] > 0) {
        // Above the last bound there is no upper edge: answer the last bound.
        if (i === this.bounds.length) return this.bounds[i - 1];
        const lower = i === 0 ? 0 : this.bounds[i - 1];
        return lower + (this.bounds[i] - lower) * ((rank - seen) / counts[i]);
      }
      seen += counts[i];
    }
    return this.bounds[this.bounds.length - 1];
  }
}
