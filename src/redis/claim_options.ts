/**
 * The pool options a Redis node runs a claimed job with: the attempt's options (timeout, cancel,
 * priority) and its progress written to Redis as JSON, the latest value only.
 *
 * @module
 */
import type { RunOptions } from "../engine/run_options.ts";
import { type AttemptCancel, attemptOptions } from "../jobs/attempt_call.ts";
import type { Claimed } from "./redis_jobs.ts";

/**
 * Run options for claim `c`, cancelled through `cancel` (the pool's hook, or a signal); `write`
 * stores a progress value's JSON text. A value JSON cannot carry, or longer than `maxResult`, is
 * dropped: only the latest value matters anyway.
 *
 * @example
 * ```ts
 * import { attemptCancel } from "../jobs/attempt_call.ts";
 * import { claimOptions } from "./claim_options.ts";
 * const c = { entry: "1-0", id: "j1", request: { task: "t", input: 1 }, attempts: 1, key: "" };
 * const written: string[] = [];
 * const options = claimOptions(c, attemptCancel(false), 10, (t) => written.push(t));
 * options.onProgress?.({ done: 1 });
 * options.onProgress?.("x".repeat(20));
 * console.log(written); // [ '{"done":1}' ]
 * ```
 */
export function claimOptions(
  c: Claimed,
  cancel: AttemptCancel,
  maxResult: number,
  write: (text: string) => void,
): RunOptions {
  return attemptOptions(c.request, cancel, (value) => {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      return;
    }
    if (text === undefined || text.length > maxResult) return;
    write(text);
  });
}
