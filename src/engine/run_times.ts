/**
 * What the pool knows of each task name's run time: a mean over recent batches of results,
 * per name, since one pool runs tasks of very different sizes. Prefetch and the fast path are
 * sized from the name of the task being sent, so a cheap call of one name never makes the pool
 * pile a batch of another, slow name onto one worker.
 *
 * @module
 */
import { emaStep } from "../metrics/ema.ts";

/** Weight of each new batch in a name's mean (the same EMA as the metrics' recent averages). */
const ALPHA = 0.2;

/**
 * Mean run time per task name, an EMA over batches weighted towards the latest.
 *
 * @example
 * ```ts
 * import { RunTimes } from "./run_times.ts";
 * const times = new RunTimes();
 * times.record("parse", 4, 2); // 4 tasks in 2 ms
 * console.log(times.mean("parse"), times.mean("render")); // 0.5 -1
 * ```
 */
export class RunTimes {
  // A Map, not an object: task names are any string, "__proto__" included.
  readonly #means = new Map<string, number>();

  /** Mean run time of `name` in milliseconds; -1 for a name never measured. */
  mean(name: string): number {
    return this.#means.get(name) ?? -1;
  }

  /** Folds `count` runs of `name` that took `totalMs` in all into its mean. */
  record(name: string, count: number, totalMs: number): void {
    if (count === 0) return;
    const mean = totalMs / count;
    this.#means.set(name, emaStep(this.#means.get(name) ?? null, mean, ALPHA));
  }
}
