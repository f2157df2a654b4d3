/**
 * The refusals of the per-tenant quotas and of an oversized result, worded the same by both
 * job backends.
 *
 * @module
 */
import type { JobError } from "./job.ts";
import { JobsFullError } from "./job_errors.ts";

/**
 * The error for a concurrency key (`bound: "key"`, `""` for jobs without one) or a client
 * (`"client"`) that already holds `held` waiting jobs of its `max`. Its waiting jobs leave as
 * they start, so a retry after a second may pass.
 *
 * @example
 * ```ts
 * import { quotaError } from "./quota.ts";
 * console.log(quotaError("key", "tenant-a", 25, 25).message); // "… has 25 jobs waiting, …"
 * ```
 */
export function quotaError(
  bound: "key" | "client",
  name: string,
  held: number,
  max: number,
  adding = 1,
): JobsFullError {
  const who = bound === "client"
    ? `client ${JSON.stringify(name)}`
    : name === ""
    ? "the jobs without a concurrencyKey"
    : `concurrencyKey ${JSON.stringify(name)}`;
  const flag = bound === "client" ? "--max-queue-per-client" : "--max-queue-per-key";
  const more = adding === 1 ? "" : ` and submits ${adding} more`;
  return new JobsFullError(bound, `${who} has ${held} jobs waiting${more}, ${flag} is ${max}`, 1);
}

/**
 * The error a job fails with when its task's result is longer than `maxResult` as JSON: the
 * result is not stored.
 *
 * @example
 * ```ts
 * import { resultTooLarge } from "./quota.ts";
 * console.log(resultTooLarge(2048, 1024).name); // "ResultTooLargeError"
 * ```
 */
export function resultTooLarge(size: number, maxResult: number): JobError {
  return {
    name: "ResultTooLargeError",
    message: `The task's result is ${size} bytes of JSON, over --max-result (${maxResult}): ` +
      "it was not stored",
  };
}
