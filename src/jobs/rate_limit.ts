/**
 * Rate limits: at most `max` jobs of one concurrency key (or of one task) start in any sliding
 * window of `windowMs`. A limited job waits, it is not refused. This is the in-memory window
 * log; the Redis queue keeps the same log in a sorted set per key (see
 * ../redis/lua/rate_limit_lua.ts).
 *
 * @module
 */

/** At most `max` starts in any window of `windowMs` milliseconds. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** The limits a runner applies: per concurrency key (`""` for jobs without one) and per task. */
export interface RateLimits {
  keys?: Readonly<Record<string, RateLimit>>;
  tasks?: Readonly<Record<string, RateLimit>>;
}

/** The longest window: a day. */
export const MAX_RATE_WINDOW_MS = 86_400_000;

/** The most starts a window may allow. */
export const MAX_RATE_MAX = 1_000_000;

/**
 * Throws a `TypeError`/`RangeError` naming `name` unless `limit` is `{ max, windowMs }` with
 * whole numbers in range.
 *
 * @example
 * ```ts
 * import { checkRateLimit } from "./rate_limit.ts";
 * checkRateLimit("keyRateLimits.a", { max: 5, windowMs: 1000 });
 * ```
 */
export function checkRateLimit(name: string, limit: unknown): asserts limit is RateLimit {
  const l = limit as RateLimit;
  if (typeof l !== "object" || l === null) {
    throw new TypeError(`'${name}' must be { max, windowMs }: current value is ${String(limit)}`);
  }
  const whole = (field: "max" | "windowMs", most: number) => {
    const v = l[field];
    if (!Number.isInteger(v) || v < 1 || v > most) {
      throw new RangeError(
        `'${name}.${field}' must be a whole number from 1 to ${most}: current value is ${v}`,
      );
    }
  };
  whole("max", MAX_RATE_MAX);
  whole("windowMs", MAX_RATE_WINDOW_MS);
}

/**
 * The start times of each limited name within its window.
 *
 * @example
 * ```ts
 * import { RateWindows } from "./rate_limit.ts";
 * const w = new RateWindows();
 * const limit = { max: 2, windowMs: 1000 };
 * w.record("a", 0, limit);
 * w.record("a", 100, limit);
 * console.log(w.waitMs("a", limit, 500), w.waitMs("a", limit, 1000)); // 500 0
 * ```
 */
export class RateWindows {
  #starts = new Map<string, number[]>();

  /** Milliseconds until one more may start under `limit` at `now`: 0 when one may now. */
  waitMs(name: string, limit: RateLimit, now: number): number {
    const starts = this.#prune(name, limit, now);
    if (starts === undefined || starts.length < limit.max) return 0;
    // The start that must leave the window before one more fits.
    return starts[starts.length - limit.max] + limit.windowMs - now;
  }

  /** Counts a start at `now`. */
  record(name: string, now: number, limit: RateLimit): void {
    const starts = this.#prune(name, limit, now) ?? [];
    starts.push(now);
    this.#starts.set(name, starts);
  }

  #prune(name: string, limit: RateLimit, now: number): number[] | undefined {
    const starts = this.#starts.get(name);
    if (!starts) return undefined;
    let drop = 0;
    while (drop < starts.length && starts[drop] <= now - limit.windowMs) drop++;
    if (drop === starts.length) {
      this.#starts.delete(name);
      return undefined;
    }
    if (drop > 0) starts.splice(0, drop);
    return starts;
  }
}
