/**
 * `--rate-limit` and `--task-rate-limit` of `workloom serve`: `NAME=MAX/DURATION`, repeatable.
 *
 * @module
 */
import { checkRateLimit, type RateLimit } from "../jobs/rate_limit.ts";
import { parseDuration } from "./units.ts";

/**
 * The limits of repeated `--<flag> NAME=MAX/DURATION` values, by name. Throws a `RangeError`
 * naming the flag and the value for a malformed one.
 *
 * @example
 * ```ts
 * import { parseRateLimits } from "./rate_limit_flags.ts";
 * console.log(parseRateLimits("rate-limit", ["tenant-a=5/1s"])); // { "tenant-a": { max: 5, windowMs: 1000 } }
 * ```
 */
export function parseRateLimits(
  flag: string,
  values: readonly string[] | undefined,
): Record<string, RateLimit> {
  const out: Record<string, RateLimit> = {};
  for (const value of values ?? []) {
    const m = /^(.*)=(\d+)\/(\S+)$/.exec(value);
    let limit: RateLimit | undefined;
    try {
      if (m) limit = { max: Number(m[2]), windowMs: parseDuration(m[3]) };
      checkRateLimit(`--${flag}`, limit);
    } catch {
      throw new RangeError(
        `--${flag} must be NAME=MAX/DURATION such as tenant-a=5/1s (MAX and the duration at ` +
          `least 1, the duration at most 1d): got ${JSON.stringify(value)}`,
      );
    }
    out[m![1]] = limit!;
  }
  return out;
}
