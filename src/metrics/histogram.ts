/**
 * A latency histogram with fixed memory and a bounded relative error, so that a pool running
 * for days keeps p50/p90/p99 per task name without storing samples.
 *
 * Buckets grow geometrically (ratio `γ = (1 + a) / (1 - a)`), and each reports the value
 * `2γ^i·L / (γ + 1)`, which is within `a` of every value the bucket holds. Values below
 * `lowestMs` share one "zero" bucket; values above `highestMs` share the top one.
 *
 * @module
 */
import { assertNumber } from "../validate.ts";

/** Options of {@linkcode Histogram}. */
export interface HistogramOptions {
  /** Largest relative error of a percentile for values from `lowestMs` to `highestMs`. @default {0.01} */
  relativeError?: number;
  /** Smaller values count as zero (absolute error below this). @default {0.001} */
  lowestMs?: number;
  /** Larger values share the top bucket (reported no higher than the exact maximum). @default {3_600_000} */
  highestMs?: number;
}

/** Count, exact min/max/mean and estimated percentiles, in milliseconds; all 0 when empty. */
export interface LatencySummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Fixed-memory latency histogram (about 1,100 buckets, 9 KiB, with the defaults).
 *
 * @example
 * ```ts
 * import { Histogram } from "./histogram.ts";
 * const h = new Histogram();
 * for (const ms of [1, 2, 3, 4, 100]) h.record(ms);
 * console.log(h.percentile(50)); // about 3
 * ```
 */
export class Histogram {
  #lowest: number;
  #gamma: number;
  #logGamma: number;
  #counts: Float64Array;
  #zero = 0;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  constructor(
    { relativeError = 0.01, lowestMs = 0.001, highestMs = 3_600_000 }: HistogramOptions = {},
  ) {
    assertNumber("create histogram", "relativeError", relativeError, { min: 1e-4, max: 0.5 });
    assertNumber("create histogram", "lowestMs", lowestMs, { min: 1e-9 });
    assertNumber("create histogram", "highestMs", highestMs, { min: lowestMs * 2 });
    this.#lowest = lowestMs;
    this.#gamma = (1 + relativeError) / (1 - relativeError);
    this.#logGamma = Math.log(this.#gamma);
    this.#counts = new Float64Array(Math.ceil(Math.log(highestMs / lowestMs) / this.#logGamma) + 1);
  }

  /** Number of values recorded. */
  get count(): number {
    return this.#count;
  }

  /** Number of buckets: fixed at creation, whatever the number of values recorded. */
  get buckets(): number {
    return this.#counts.length + 1;
  }

  /** Records one value in milliseconds; negative values (clock skew) count as 0. */
  record(valueMs: number): void {
    this.recordAll([valueMs]);
  }

  /**
   * Records each of `values` (milliseconds), as `record` would one by one: one call for a batch,
   * so that a caller folding many samples at once pays one call, not one per sample.
   */
  recordAll(values: ArrayLike<number>): void {
    for (let n = 0; n < values.length; n++) {
      const valueMs = values[n];
      if (!Number.isFinite(valueMs)) {
        throw new RangeError(
          `Cannot record latency as the value must be a finite number: current value is ${valueMs}`,
        );
      }
      const v = Math.max(0, valueMs);
      this.#count++;
      this.#sum += v;
      if (v < this.#min) this.#min = v;
      if (v > this.#max) this.#max = v;
      if (v < this.#lowest) {
        this.#zero++;
        continue;
      }
      const i = Math.ceil(Math.log(v / this.#lowest) / this.#logGamma);
      this.#counts[Math.min(this.#counts.length - 1, Math.max(0, i))]++;
    }
  }

  /** The nearest-rank value at percentile `p` (0–100), within the relative error; 0 when empty. */
  percentile(p: number): number {
    assertNumber("read percentile", "p", p, { min: 0, max: 100 });
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    // Everything in the zero bucket is below lowestMs, so the exact minimum is as good as any.
    if (rank <= this.#zero) return this.#min;
    let seen = this.#zero;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i];
      if (seen >= rank) {
        const estimate = (2 * this.#lowest * this.#gamma ** i) / (this.#gamma + 1);
        // Clamping to the exact extremes only ever moves the estimate closer to the truth.
        return Math.min(this.#max, Math.max(this.#min, estimate));
      }
    }
    return this.#max;
  }

  /** Count, min, max, mean and p50/p90/p99. */
  summary(): LatencySummary {
    if (this.#count === 0) return { count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0 };
    return {
      count: this.#count,
      min: this.#min,
      max: this.#max,
      mean: this.#sum / this.#count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
    };
  }
}
