/**
 * Task weights: how heavy one task is relative to an average one (1.0). Used to order a batch
 * heavy-first, so that one slow task started last does not hold up the whole batch (the
 * "straggler effect"), and to size the pool (`optimalWorkers`' `taskWeight`).
 *
 * The seed scored templates by source size, blocks and macros; tasks here are arbitrary
 * functions, so a weight comes from the user (`weightOf`) or from measured run times (`history`).
 *
 * @module
 */
import { ownValue } from "../own_keys.ts";
import { assertNumber } from "../validate.ts";

/** Lightest weight a task gets: below it, differences are noise. */
export const MIN_WEIGHT = 0.1;
/** Heaviest weight a task gets, so that one outlier cannot dominate sizing. */
export const MAX_WEIGHT = 5;
/** Weight of a task nothing is known about: an average one. */
export const DEFAULT_WEIGHT = 1;

/**
 * Clamps a weight into `[MIN_WEIGHT, MAX_WEIGHT]`.
 *
 * @example
 * ```ts
 * import { clampWeight } from "./weights.ts";
 * console.log(clampWeight(12), clampWeight(0)); // 5 0.1
 * ```
 */
export function clampWeight(weight: number): number {
  assertNumber("clamp weight", "weight", weight, { min: 0 });
  return Math.min(MAX_WEIGHT, Math.max(MIN_WEIGHT, weight));
}

/**
 * Turns mean run times per task name (any unit, e.g. milliseconds) into clamped weights relative
 * to the mean over all names: each name counts once, however often it ran.
 *
 * @example
 * ```ts
 * import { historyWeights } from "./weights.ts";
 * console.log(historyWeights({ resize: 30, thumb: 10 })); // { resize: 1.5, thumb: 0.5 }
 * ```
 */
export function historyWeights(
  meansByName: Readonly<Record<string, number>>,
): Record<string, number> {
  const names = Object.keys(meansByName);
  for (const name of names) {
    assertNumber("compute history weights", `meansByName.${name}`, meansByName[name], { min: 0 });
  }
  const mean = names.reduce((sum, name) => sum + meansByName[name], 0) / names.length;
  // All-zero history (nothing measurable yet) says nothing about relative cost. fromEntries
  // defines own properties, so a name like `__proto__` stays an entry.
  return Object.fromEntries(
    names.map((name) => [
      name,
      mean > 0 ? clampWeight(meansByName[name] / mean) : DEFAULT_WEIGHT,
    ]),
  );
}

/** Options for {@linkcode estimateWeight}. */
export interface EstimateWeightOptions<T> {
  /** Returns the weight of a task (≥ 0, clamped); wins over `history`. @default {undefined} */
  weightOf?: (task: T) => number;
  /** Mean run time per task name, see {@linkcode historyWeights}. @default {undefined} */
  history?: Readonly<Record<string, number>>;
  /** The task's name, to look up in `history`; required with `history`. @default {undefined} */
  name?: string;
}

/**
 * Estimates one task's weight: `weightOf(task)` if given, else its name's measured mean run time
 * relative to the mean over all names, else 1. Clamped to `[0.1, 5]`; a name with no history
 * counts as average.
 *
 * For a whole batch, compute {@linkcode historyWeights} once instead of passing `history` each time.
 *
 * @example
 * ```ts
 * import { estimateWeight } from "./weights.ts";
 * console.log(estimateWeight({ pages: 40 }, { weightOf: (t) => t.pages / 10 })); // 4
 * console.log(estimateWeight(null, { history: { a: 30, b: 10 }, name: "a" })); // 1.5
 * ```
 */
export function estimateWeight<T>(task: T, options: EstimateWeightOptions<T> = {}): number {
  const { weightOf, history, name } = options;
  if (weightOf !== undefined && typeof weightOf !== "function") {
    throw new TypeError(
      `Cannot estimate weight as 'weightOf' must be a function: current value is ${typeof weightOf}`,
    );
  }
  if (history !== undefined && typeof name !== "string") {
    throw new TypeError(
      `Cannot estimate weight as 'name' must be a string when 'history' is given: ` +
        `current value is ${name === undefined ? "undefined" : typeof name}`,
    );
  }
  if (weightOf) {
    const weight = weightOf(task);
    assertNumber("estimate weight", "weightOf(task)", weight, { min: 0 });
    return clampWeight(weight);
  }
  if (history !== undefined && name !== undefined) {
    return ownValue(historyWeights(history), name) ?? DEFAULT_WEIGHT;
  }
  return DEFAULT_WEIGHT;
}

/** Options for {@linkcode orderByWeight}. */
export interface OrderByWeightOptions {
  /** Heaviest first (best for parallel batches); `false` for lightest first. @default {true} */
  descending?: boolean;
}

/**
 * Returns a new array of `items` ordered by weight, heaviest first by default. Stable: items of
 * equal weight keep their input order. Weights are not clamped here, so 7 still sorts before 6.
 *
 * @example
 * ```ts
 * import { orderByWeight } from "./weights.ts";
 * const jobs = [{ id: "a", ms: 5 }, { id: "b", ms: 50 }, { id: "c", ms: 5 }];
 * console.log(orderByWeight(jobs, (j) => j.ms).map((j) => j.id).join("")); // "bac"
 * ```
 */
export function orderByWeight<T>(
  items: readonly T[],
  weightOf: (item: T) => number,
  { descending = true }: OrderByWeightOptions = {},
): T[] {
  if (typeof weightOf !== "function") {
    throw new TypeError(
      `Cannot order by weight as 'weightOf' must be a function: current value is ${typeof weightOf}`,
    );
  }
  if (typeof descending !== "boolean") {
    throw new TypeError(
      `Cannot order by weight as 'descending' must be a boolean: current value is ${typeof descending}`,
    );
  }
  // Weigh each item once: weightOf may be costly, and a NaN inside a comparator silently
  // corrupts the order instead of failing.
  const keyed = items.map((item, index) => {
    const weight = weightOf(item);
    assertNumber("order by weight", `weightOf(items[${index}])`, weight);
    return { item, index, weight };
  });
  const sign = descending ? -1 : 1;
  keyed.sort((a, b) => sign * (a.weight - b.weight) || a.index - b.index);
  return keyed.map((k) => k.item);
}
