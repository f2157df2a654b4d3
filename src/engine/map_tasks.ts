/**
 * `Pool.map`: one task per input, results in input order, heavy inputs first, small batches
 * inline, backpressure respected, and the first failure cancels the rest.
 *
 * @module
 */
import { onAbort } from "./abort_fanout.ts";
import type { Admission } from "./admission.ts";
import type { InlineRunner } from "./inline_runner.ts";
import { checkRunOptions, type RunOptions } from "./run_options.ts";
import type { RunTimes } from "./dispatch_plan.ts";
import { shouldParallelize } from "../sizing/sizing.ts";
import type { EnvironmentName, Workload } from "../sizing/profiles.ts";
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

/** The parts of the pool `mapTasks` works with. */
export interface MapParts {
  /** The way into the queue: `run()` and `whenRoom()`. */
  readonly admission: Admission;
  /** Measured run time per name: the inline decision goes by it, and inline runs feed it. */
  readonly runTimes: RunTimes;
  /** Runs a small batch on this thread. */
  readonly runner: InlineRunner;
  /** The pool's profile, for the inline decision (`shouldParallelize`). */
  readonly workload: Workload;
  readonly environment: EnvironmentName;
}

/**
 * True when `count` tasks of `name`, each estimated at `estimateMs` (else at the name's measured
 * mean), are too little work to leave this thread. A name never measured counts as heavy:
 * guessing light would block this thread.
 */
function isSmallBatch(
  parts: MapParts,
  name: string,
  count: number,
  estimateMs: number | undefined,
): boolean {
  const each = estimateMs ?? parts.runTimes.mean(name);
  if (each < 0) return false;
  const { workload, environment } = parts;
  return !shouldParallelize(count, { workEstimateMs: each * count, workload, environment });
}

/**
 * Runs task `name` over `inputs` through the pool's `parts`.
 *
 * @example
 * ```ts ignore
 * const lengths = await mapTasks({ admission, runTimes, runner, workload, environment }, "measure", ["a", "bb"], {});
 * ```
 */
export async function mapTasks<I>(
  parts: MapParts,
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
    (inline === "auto" && isSmallBatch(parts, name, items.length, estimateMs));
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
        const out = await parts.runner.execute(name, items[i], controller.signal, () => {});
        parts.runTimes.record(name, 1, out.runMs);
        // Cancelled from outside: the caller sees its abort, not what the task threw because of it.
        if (controller.signal.aborted) throw controller.signal.reason;
        if (!out.ok) throw out.value;
        results[i] = out.value;
        continue;
      }
      await parts.admission.whenRoom();
      const p = parts.admission.run(name, items[i], { ...runOptions, signal: controller.signal })
        .then(
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
