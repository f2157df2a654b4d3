/**
 * `Pool.map`: one task per input, results in input order, heavy inputs first, small batches
 * inline, backpressure respected, and the first failure cancels the rest.
 *
 * @module
 */
import { onAbort } from "./abort_fanout.ts";
import type { InlineRunner } from "./inline_runner.ts";
import { checkRunOptions, type RunOptions } from "./task.ts";
import { assertNumber, assertOneOf, assertOptionsObject, show } from "../validate.ts";
import { orderByWeight } from "../sizing/weights.ts";

/** Options of `map()`. */
export interface MapOptions<I> extends Omit<RunOptions, "transfer" | "onProgress"> {
  /** Relative weight of an input; heavier inputs are queued first. @default {all equal: input order} */
  weight?: (input: I, index: number) => number;
  /**
   * `"auto"` runs the batch on the calling thread when its total work (tasks × `estimateMs`, or
   * × the name's measured mean run time) is below the profile's `minWorkEstimate`; a name never
   * measured counts as heavy and goes to the workers. `true` always runs inline, `false` always
   * uses workers. @default {"auto"}
   */
  inline?: "auto" | boolean;
  /**
   * Your estimate of one task's run time in milliseconds, for the `"auto"` decision; wins over
   * the measured mean. @default {the name's measured mean run time, if any}
   */
  estimateMs?: number;
}

/** The names of {@linkcode MapOptions}, for the unknown-option check. */
export const MAP_OPTION_NAMES: readonly string[] = Object.freeze([
  "priority",
  "timeoutMs",
  "signal",
  "retries",
  "stage",
  "weight",
  "inline",
  "estimateMs",
]);

/** What `mapTasks` needs from the pool. */
export interface MapHost {
  run(name: string, input: unknown, options: RunOptions): Promise<unknown>;
  whenRoom(): Promise<void>;
  /**
   * True when `count` tasks of `name`, each estimated at `estimateMs` (else at the name's
   * measured mean; a name never measured is heavy), are too little work to leave this thread.
   */
  isSmallBatch(name: string, count: number, estimateMs: number | undefined): boolean;
  /** Reports the run time of a task that ran inline, so the name's mean follows it. */
  ranInline(name: string, runMs: number): void;
  inlineRunner(): InlineRunner;
}

/**
 * Runs task `name` over `inputs` through `host`.
 *
 * @example
 * ```ts ignore
 * const lengths = await mapTasks(pool, "measure", ["a", "bb"], {});
 * ```
 */
export async function mapTasks<I>(
  host: MapHost,
  name: string,
  inputs: Iterable<I>,
  options: MapOptions<I>,
): Promise<unknown[]> {
  const action = `map task '${name}'`;
  // Up front, before any task starts: a small batch runs inline and never reaches run().
  assertOptionsObject(action, "options", options);
  checkRunOptions(name, options, MAP_OPTION_NAMES, action);
  const { weight, inline = "auto", estimateMs, signal, ...runOptions } = options;
  if (typeof inline !== "boolean") assertOneOf(action, "inline", inline, ["auto"]);
  if (estimateMs !== undefined) assertNumber(action, "estimateMs", estimateMs, { min: 0 });
  if (weight !== undefined && typeof weight !== "function") {
    throw new TypeError(
      `Cannot ${action} as 'weight' must be a function: current value is ${show(weight)}`,
    );
  }
  const items = Array.from(inputs);
  let order = items.map((_, i) => i);
  if (weight) {
    const weights = items.map((item, i) => weight(item, i));
    order = orderByWeight(order, (i) => weights[i]);
  }
  const small = inline === true ||
    (inline === "auto" && host.isSmallBatch(name, items.length, estimateMs));
  const controller = new AbortController();
  // Through the shared watch (abort_fanout.ts): maps and runs on one signal add one listener.
  const unwatch = signal ? onAbort(signal, () => controller.abort(signal.reason)) : undefined;
  if (signal?.aborted) controller.abort(signal.reason);
  const results = new Array<unknown>(items.length);
  const pending: Promise<void>[] = [];
  try {
    for (const i of order) {
      if (controller.signal.aborted) break;
      if (small) {
        const out = await host.inlineRunner().execute(name, items[i], controller.signal, () => {});
        host.ranInline(name, out.runMs);
        // Cancelled from outside: the caller sees its abort, not what the task threw because of it.
        if (controller.signal.aborted) throw controller.signal.reason;
        if (!out.ok) throw out.value;
        results[i] = out.value;
        continue;
      }
      await host.whenRoom();
      const p = host.run(name, items[i], { ...runOptions, signal: controller.signal }).then(
        (value) => {
          results[i] = value;
        },
      );
      // The first failure aborts the rest; the caller sees that failure, not the aborts.
      p.catch((e) => controller.abort(e));
      pending.push(p);
    }
    await Promise.all(pending);
    if (controller.signal.aborted) throw controller.signal.reason;
    return results;
  } catch (error) {
    controller.abort(error);
    await Promise.allSettled(pending);
    throw error;
  } finally {
    unwatch?.();
  }
}
