/**
 * `Pool.map`: one task per input, results in input order, heavy inputs first, small batches
 * inline, backpressure respected, and the first failure cancels the rest.
 *
 * @module
 */
import type { InlineRunner } from "./inline_runner.ts";
import type { RunOptions } from "./run_options.ts";
import { checkRunOptions } from "./task_factory.ts";
import { assertOneOf, assertOptionsObject, show } from "./validate.ts";
import { orderByWeight } from "./weights.ts";

/** Options of `map()`. */
export interface MapOptions<I> extends Omit<RunOptions, "transfer" | "onProgress"> {
  /** Relative weight of an input; heavier inputs are queued first. @default {all equal: input order} */
  weight?: (input: I, index: number) => number;
  /**
   * `"auto"` runs the batch on the calling thread when `shouldParallelize` says it is too small to
   * be worth a hand-off; `false` always uses workers. @default {"auto"}
   */
  inline?: "auto" | false;
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
]);

/** What `mapTasks` needs from the pool. */
export interface MapHost {
  run(name: string, input: unknown, options: RunOptions): Promise<unknown>;
  whenRoom(): Promise<void>;
  /** True when a batch of `count` tasks is too small to leave the calling thread. */
  isSmallBatch(count: number): boolean;
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
  const { weight, inline = "auto", signal, ...runOptions } = options;
  if (inline !== false) assertOneOf(action, "inline", inline, ["auto"]);
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
  const small = inline === "auto" && host.isSmallBatch(items.length);
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const results = new Array<unknown>(items.length);
  const pending: Promise<void>[] = [];
  try {
    for (const i of order) {
      if (controller.signal.aborted) break;
      if (small) {
        const out = await host.inlineRunner().execute(name, items[i], controller.signal, () => {});
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
    signal?.removeEventListener("abort", onAbort);
  }
}
