/**
 * Sizes and durations as people type them on a command line: `1mb`, `512kb`, `10s`, `1h`.
 *
 * @module
 */

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

function parse(
  text: string,
  units: Record<string, number>,
  what: string,
  fallbackUnit: string,
): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m?.[2].toLowerCase() || fallbackUnit;
  if (!m || !Object.hasOwn(units, unit)) {
    throw new RangeError(
      `Cannot read ${JSON.stringify(text)} as ${what}: write a number with one of the units ${
        Object.keys(units).filter(Boolean).join(", ")
      }`,
    );
  }
  return Math.round(Number(m[1]) * units[unit]);
}

/**
 * Bytes from `1mb`, `512kb`, `100b` or a plain number of bytes (units are powers of 1024).
 *
 * @example
 * ```ts
 * import { parseBytes } from "./units.ts";
 * console.log(parseBytes("1mb"), parseBytes("2kb")); // 1048576 2048
 * ```
 */
export function parseBytes(text: string): number {
  return parse(text, BYTE_UNITS, "a size", "");
}

/**
 * Milliseconds from `250ms`, `10s`, `5m`, `1h`, `2d`, or a plain number of milliseconds.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./units.ts";
 * console.log(parseDuration("10s"), parseDuration("1h")); // 10000 3600000
 * ```
 */
export function parseDuration(text: string): number {
  return parse(text, TIME_UNITS, "a duration", "ms");
}

/**
 * A whole number written in decimal digits only (no sign, fraction or exponent), else `NaN`.
 *
 * @example
 * ```ts
 * import { parseWhole } from "./units.ts";
 * console.log(parseWhole("12"), parseWhole("1e3")); // 12 NaN
 * ```
 */
export function parseWhole(text: string): number {
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : NaN;
}

/**
 * The value `text` of flag `--name`, read by `read` (`parseBytes`, `parseDuration`,
 * `parseWhole`), when it lies from `min` (1) to `max`; else a `RangeError` that names the flag,
 * what it must be, and the text given. A `read` that throws counts as out of range.
 *
 * @example
 * ```ts
 * import { flagValue, parseDuration } from "./units.ts";
 * console.log(flagValue("max-wait", "10s", parseDuration, "a duration", { max: 30_000 })); // 10000
 * ```
 */
export function flagValue(
  name: string,
  text: string,
  read: (text: string) => number,
  what: string,
  bounds: { min?: number; max?: number } = {},
): number {
  const { min = 1, max = Number.MAX_SAFE_INTEGER } = bounds;
  let n = NaN;
  try {
    n = read(text);
  } catch {
    // Reported below, with the flag's name.
  }
  if (!(n >= min && n <= max)) {
    throw new RangeError(`--${name} must be ${what}: got ${JSON.stringify(text)}`);
  }
  return n;
}
