/**
 * Events per second over a sliding window, in fixed memory: the window is cut into slots and
 * each slot keeps a count, so memory does not grow with the event rate.
 *
 * @module
 */
import { assertInteger, assertNumber } from "../validate.ts";

/** Options of {@linkcode RateWindow}. */
export interface RateWindowOptions {
  /** Length of the window in milliseconds. @default {10_000} */
  windowMs?: number;
  /** Number of slots the window is cut into (the window is exact to one slot). @default {20} */
  slots?: number;
}

/**
 * Sliding-window event rate with an injected clock.
 *
 * @example
 * ```ts
 * import { RateWindow } from "./rate_window.ts";
 * const w = new RateWindow(0, { windowMs: 1000 });
 * for (let t = 0; t < 1000; t += 100) w.add(t);
 * console.log(w.perSecond(999)); // about 10
 * ```
 */
export class RateWindow {
  #startedAt: number;
  #slotMs: number;
  #ids: Float64Array;
  #counts: Float64Array;

  constructor(startedAt: number, { windowMs = 10_000, slots = 20 }: RateWindowOptions = {}) {
    assertNumber("create rate window", "startedAt", startedAt);
    assertNumber("create rate window", "windowMs", windowMs, { min: 1 });
    assertInteger("create rate window", "slots", slots, { min: 1, max: 10_000 });
    this.#startedAt = startedAt;
    this.#slotMs = windowMs / slots;
    this.#ids = new Float64Array(slots).fill(-Infinity);
    this.#counts = new Float64Array(slots);
  }

  /** Length of the window in milliseconds. */
  get windowMs(): number {
    return this.#slotMs * this.#ids.length;
  }

  /** Counts `n` events at time `now`. */
  add(now: number, n = 1): void {
    const id = Math.floor(now / this.#slotMs);
    const i = ((id % this.#ids.length) + this.#ids.length) % this.#ids.length;
    if (this.#ids[i] !== id) {
      this.#ids[i] = id;
      this.#counts[i] = 0;
    }
    this.#counts[i] += n;
  }

  /**
   * Counts one event at each of `times`, as `add` would one by one. Consecutive times in the same
   * slot are counted in one `add`, so a batch costs one call per slot it spans, not per event.
   */
  addAll(times: ArrayLike<number>): void {
    let id = NaN;
    let at = 0;
    let n = 0;
    for (let i = 0; i < times.length; i++) {
      const slot = Math.floor(times[i] / this.#slotMs);
      if (slot !== id) {
        if (n > 0) this.add(at, n);
        id = slot;
        at = times[i];
        n = 0;
      }
      n++;
    }
    if (n > 0) this.add(at, n);
  }

  /** Events per second over the slots that end the window at `now`; 0 before any time passed. */
  perSecond(now: number): number {
    const nowId = Math.floor(now / this.#slotMs);
    const oldest = nowId - this.#ids.length + 1;
    let sum = 0;
    for (let i = 0; i < this.#ids.length; i++) {
      if (this.#ids[i] >= oldest && this.#ids[i] <= nowId) sum += this.#counts[i];
    }
    // Divide by the time the counted slots actually cover, which is shorter than the window
    // early in a run: otherwise the first seconds would under-report the rate.
    const spanMs = now - Math.max(this.#startedAt, oldest * this.#slotMs);
    return spanMs > 0 ? (sum * 1000) / spanMs : 0;
  }
}
