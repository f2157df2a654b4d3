/**
 * Exponential moving average: recent samples weigh more, so a task whose cost changes (a cache
 * warms up, a backend slows down) is seen as it is now, not as it was on average.
 *
 * @module
 */
import { assertNumber } from "../validate.ts";

/**
 * One EMA step: `previous + alpha × (sample − previous)`; the first sample (previous `null`)
 * is taken as is, so the average does not start biased towards 0.
 *
 * @example
 * ```ts
 * import { emaStep } from "./ema.ts";
 * console.log(emaStep(10, 20, 0.5)); // 15
 * ```
 */
export function emaStep(previous: number | null, sample: number, alpha: number): number {
  return previous === null ? sample : previous + alpha * (sample - previous);
}

/** Options of {@linkcode Ema}. */
export interface EmaOptions {
  /** Weight of each new sample, in (0, 1]; 2 / (n + 1) behaves like an n-sample average. @default {0.2} */
  alpha?: number;
}

/**
 * A running exponential moving average.
 *
 * @example
 * ```ts
 * import { Ema } from "./ema.ts";
 * const e = new Ema({ alpha: 0.5 });
 * e.update(10);
 * e.update(20);
 * console.log(e.value); // 15
 * ```
 */
export class Ema {
  #alpha: number;
  #value: number | null = null;
  #count = 0;

  constructor({ alpha = 0.2 }: EmaOptions = {}) {
    assertNumber("create EMA", "alpha", alpha, { min: 0, max: 1 });
    if (alpha === 0) {
      throw new RangeError("Cannot create EMA as 'alpha' must be above 0: current value is 0");
    }
    this.#alpha = alpha;
  }

  /** Adds a sample and returns the new average. */
  update(sample: number): number {
    this.#value = emaStep(this.#value, sample, this.#alpha);
    this.#count++;
    return this.#value;
  }

  /**
   * Adds `samples` in order, as `update` would one by one, and returns the new average (0 when
   * there were none and no sample before): one call for a batch of samples.
   */
  updateAll(samples: ArrayLike<number>): number {
    let i = 0;
    let value = this.#value;
    if (value === null && samples.length > 0) value = samples[i++]; // emaStep's first sample
    // emaStep's step, inlined: a call per sample is what this method saves.
    for (; i < samples.length; i++) value! += this.#alpha * (samples[i] - value!);
    this.#value = value;
    this.#count += samples.length;
    return value ?? 0;
  }

  /** The current average; 0 before the first sample. */
  get value(): number {
    return this.#value ?? 0;
  }

  /** Number of samples seen. */
  get count(): number {
    return this.#count;
  }
}
