/**
 * How a run on a Redis node ended, as the finish script records it: the result (unless JSON
 * cannot carry it or it is over `maxResult`: then the job fails and the result never travels to
 * Redis), a retry after the backoff, or the failure.
 *
 * @module
 */
import { TaskError, TimeoutError } from "../errors.ts";
import { backoffDelay, DEFAULT_BACKOFF_MS } from "../jobs/backoff.ts";
import { jobErrorOf } from "../jobs/job.ts";
import { resultTooLarge } from "../jobs/quota.ts";
import type { Claimed, Outcome } from "./redis_jobs.ts";

/** A failure as JSON: name and message only (cut at MAX_ERROR_MESSAGE), never a stack. */
export function errorJson(e: unknown): string {
  return JSON.stringify(jobErrorOf(e));
}

/**
 * The outcome of run `c`: `how` it settled and with what `value` (the result or the error).
 * `mayRetry` is false on a draining node, which starts nothing new.
 *
 * @example
 * ```ts
 * import { outcomeOf } from "./run_outcome.ts";
 * const c = { entry: "1-0", id: "j1", request: { task: "t", input: 1 }, attempts: 1, key: "" };
 * console.log(outcomeOf(c, "ok", "x".repeat(100), { maxResult: 10, mayRetry: true }).kind); // "fail"
 * ```
 */
export function outcomeOf(
  c: Claimed,
  how: "ok" | "fail",
  value: unknown,
  options: { maxResult: number; mayRetry: boolean },
): Outcome {
  const { id, entry } = c;
  if (how === "ok") {
    let payload: string | undefined;
    try {
      payload = JSON.stringify(value) ?? "null";
    } catch {
      payload = undefined;
    }
    if (payload === undefined) {
      const error = { name: "TypeError", message: "The task's result cannot be sent as JSON" };
      return { id, entry, kind: "fail", payload: JSON.stringify(error) };
    }
    if (payload.length > options.maxResult) {
      const error = resultTooLarge(payload.length, options.maxResult);
      return { id, entry, kind: "fail", payload: JSON.stringify(error) };
    }
    return { id, entry, kind: "ok", payload };
  }
  const { attempts = 1, backoffMs = DEFAULT_BACKOFF_MS } = c.request;
  const retryable = value instanceof TaskError || value instanceof TimeoutError;
  if (retryable && c.attempts < attempts && options.mayRetry) {
    const delayMs = backoffDelay(c.attempts, backoffMs);
    return { id, entry, kind: "retry", payload: errorJson(value), delayMs };
  }
  return { id, entry, kind: "fail", payload: errorJson(value) };
}
