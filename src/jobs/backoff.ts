/**
 * How long a job waits before its next attempt: exponential backoff, as a pure function.
 *
 * @module
 */

/** The longest wait between two attempts, whatever `backoffMs` and the attempt number say. */
export const MAX_BACKOFF_MS = 10 * 60_000;

/** The wait before a job's second attempt when its request names no `backoffMs`, in ms. */
export const DEFAULT_BACKOFF_MS = 1000;

/**
 * The wait after attempt `attempt` (1-based) failed: `baseMs × 2^(attempt − 1)`, at most
 * `maxMs`. Doubling spreads retries out so that a task failing for a shared reason (a service
 * down) is not hammered, and the cap keeps a job from sleeping for days.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "./backoff.ts";
 * console.log([1, 2, 3].map((a) => backoffDelay(a, 100))); // [100, 200, 400]
 * ```
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  options: {
    /** Upper bound of the wait. @default {MAX_BACKOFF_MS} */
    maxMs?: number;
  } = {},
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `Cannot compute a backoff as 'attempt' must be a positive integer: current value is ${attempt}`,
    );
  }
  if (!(baseMs >= 0)) {
    throw new RangeError(
      `Cannot compute a backoff as 'baseMs' must be a non-negative number: current value is ${baseMs}`,
    );
  }
  const maxMs = options.maxMs ?? MAX_BACKOFF_MS;
  // Past 2^40 the product is beyond any cap anyway; stopping there avoids Infinity × 0 = NaN.
  const factor = 2 ** Math.min(attempt - 1, 40);
  return Math.min(maxMs, baseMs * factor);
}
