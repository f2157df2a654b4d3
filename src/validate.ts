/**
 * Option validation with messages that name the option, the rule and the value, in the style
 * `Cannot create pool as 'maxWorkers' must be a positive integer: current value is 0`.
 *
 * @module
 */

/**
 * A value as error messages show it: strings quoted, other primitives as is, objects by type.
 *
 * @example
 * ```ts
 * import { show } from "./validate.ts";
 * console.log(show("x"), show(0), show({})); // "x" 0 [object Object]
 * ```
 */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) {
    return String(value);
  }
  return Object.prototype.toString.call(value);
}

/**
 * Throws a `RangeError` unless `value` is an integer ≥ `min` (and ≤ `max`).
 *
 * @example
 * ```ts
 * import { assertInteger } from "./validate.ts";
 * assertInteger("create pool", "maxWorkers", 4, { min: 1 });
 * ```
 */
export function assertInteger(
  action: string,
  name: string,
  value: unknown,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const rule = max === Number.MAX_SAFE_INTEGER
      ? min === 1 ? "a positive integer" : `an integer >= ${min}`
      : `an integer from ${min} to ${max}`;
    throw new RangeError(
      `Cannot ${action} as '${name}' must be ${rule}: current value is ${show(value)}`,
    );
  }
}

/**
 * Throws a `RangeError` unless `value` is a finite number within `[min, max]`.
 *
 * @example
 * ```ts
 * import { assertNumber } from "./validate.ts";
 * assertNumber("create pool", "cpuThreshold", 0.8, { min: 0, max: 1 });
 * ```
 */
export function assertNumber(
  action: string,
  name: string,
  value: unknown,
  { min = -Infinity, max = Infinity }: { min?: number; max?: number } = {},
): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const rule = max === Infinity
      ? min === -Infinity ? "a finite number" : `a finite number >= ${min}`
      : `a number from ${min} to ${max}`;
    throw new RangeError(
      `Cannot ${action} as '${name}' must be ${rule}: current value is ${show(value)}`,
    );
  }
}

/**
 * Throws a `TypeError` unless `value` is one of `allowed`.
 *
 * @example
 * ```ts
 * import { assertOneOf } from "./validate.ts";
 * assertOneOf("create pool", "workload", "cpu", ["cpu", "compile", "io"] as const);
 * ```
 */
export function assertOneOf<T extends string>(
  action: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new TypeError(
      `Cannot ${action} as '${name}' must be one of ${allowed.map((a) => `"${a}"`).join(", ")}: ` +
        `current value is ${show(value)}`,
    );
  }
}

/** The longest delay `setTimeout`/`setInterval` honour: a signed 32-bit count of ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Throws a `RangeError` when a delay that feeds a timer exceeds {@linkcode MAX_TIMER_MS}: a
 * longer one would fire at once. Check the option's own rule (integer, minimum) first.
 *
 * @example
 * ```ts
 * import { assertTimerMs } from "./validate.ts";
 * assertTimerMs("create pool", "idleTimeoutMs", 5000);
 * ```
 */
export function assertTimerMs(action: string, name: string, value: number): void {
  if (value > MAX_TIMER_MS) {
    throw new RangeError(
      `Cannot ${action} as '${name}' must be at most ${MAX_TIMER_MS} ms, the longest timer ` +
        `delay: current value is ${show(value)}`,
    );
  }
}

// Edit distance, for "did you mean": a typo is a letter or two away.
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1].toLowerCase() === b[j - 1].toLowerCase();
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (same ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

// The known names of each list as a set, made once per list: every `run()` with options checks
// its keys, and Bun's `includes` on a frozen array took 0.5-0.7 µs a call (a set lookup 0.1).
const knownSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * Throws a `TypeError` naming the first own key of `options` that is not in `known`, with the
 * closest known name when one is near and the list of valid ones. `prefix` qualifies the name
 * for nested options (`"autotune."`).
 *
 * @example
 * ```ts
 * import { assertKnownOptions } from "./validate.ts";
 * assertKnownOptions("close pool", { timeoutMs: 10 }, ["timeoutMs"]);
 * ```
 */
export function assertKnownOptions(
  action: string,
  options: object,
  known: readonly string[],
  prefix = "",
): void {
  let names = knownSets.get(known);
  if (names === undefined) knownSets.set(known, names = new Set(known));
  for (const key of Object.keys(options)) {
    if (names.has(key)) continue;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const name of known) {
      const d = distance(key, name);
      if (d < bestDistance) [best, bestDistance] = [name, d];
    }
    // Near enough to be a typo, one name inside the other (timeout / timeoutMs), or the same
    // first word (maxThreads / maxWorkers).
    const firstWord = (s: string) => /^[a-z]+/.exec(s)?.[0] ?? s;
    const near = best !== undefined &&
      (bestDistance <= Math.max(2, Math.floor(Math.max(key.length, best.length) / 3)) ||
        best.toLowerCase().includes(key.toLowerCase()) ||
        key.toLowerCase().includes(best.toLowerCase()) ||
        firstWord(key) === firstWord(best));
    const hint = near ? ` (did you mean '${prefix}${best}'?)` : "";
    throw new TypeError(
      `Cannot ${action} as '${prefix}${key}' is not an option${hint}: valid options are: ` +
        known.join(", "),
    );
  }
}

/**
 * Throws a `TypeError` unless `value` is an object, for an options argument.
 *
 * @example
 * ```ts
 * import { assertOptionsObject } from "./validate.ts";
 * assertOptionsObject("close pool", "options", {});
 * ```
 */
export function assertOptionsObject(action: string, name: string, value: unknown): void {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `Cannot ${action} as '${name}' must be an object: current value is ${show(value)}`,
    );
  }
}
