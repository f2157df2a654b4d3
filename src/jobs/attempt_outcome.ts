/**
 * What the in-memory runner stores when an attempt settles: a result (refused when it is not
 * JSON or longer than `maxResult`), a retry after the backoff, or a final failure.
 *
 * @module
 */
import { TaskError, TimeoutError } from "../errors.ts";
import { backoffDelay, DEFAULT_BACKOFF_MS } from "./backoff.ts";
import { jobErrorOf } from "./job.ts";
import type { JobStore, StoredJob } from "./job_store.ts";
import { jsonLength } from "./stored_job.ts";
import { resultTooLarge } from "./quota.ts";

/**
 * Stores `result` as job `id`'s outcome: `"succeeded"`, or `"failed"` for a result that cannot
 * be sent as JSON or is longer than `maxResult`; `undefined` when nothing was stored (a job
 * cancelled while its task ran stays cancelled).
 *
 * @example
 * ```ts
 * import { storeResult } from "./attempt_outcome.ts";
 * import { JobStore } from "./job_store.ts";
 * const store = new JobStore();
 * const { record } = store.insert({ task: "echo", input: 1 }, {});
 * store.update(record.job.id, { status: "running" });
 * console.log(storeResult(store, record.job.id, "x".repeat(10), 5)); // "failed"
 * ```
 */
export function storeResult(
  store: JobStore,
  id: string,
  result: unknown,
  maxResult: number,
): "succeeded" | "failed" | undefined {
  // No finishedAt in the patches: the store stamps a final job itself, as a number.
  const size = jsonLength(result);
  if (size === undefined || size > maxResult) {
    const error = size === undefined
      ? { name: "TypeError", message: "The task's result cannot be sent as JSON" }
      : resultTooLarge(size, maxResult);
    return store.update(id, { status: "failed", error }) ? "failed" : undefined;
  }
  const done = { status: "succeeded", result, error: undefined } as const;
  return store.update(id, done, "status", size) ? "succeeded" : undefined;
}

/**
 * The wait before job `r`'s next attempt after its attempt failed with `e`, or `undefined` when
 * it fails for good. Job attempts retry a task that threw or timed out; a crashed worker is the
 * pool's `retries` business.
 *
 * @example
 * ```ts
 * import { TaskError } from "../errors.ts";
 * import { retryDelay } from "./attempt_outcome.ts";
 * import { JobStore } from "./job_store.ts";
 * const { record } = new JobStore().insert({ task: "echo", input: 1, attempts: 3, backoffMs: 100 }, {});
 * record.job.attempts = 1;
 * console.log(retryDelay(record, new TaskError("echo", { name: "Error", message: "boom" }))); // 100
 * ```
 */
export function retryDelay(r: StoredJob, e: unknown): number | undefined {
  const { attempts = 1, backoffMs = DEFAULT_BACKOFF_MS } = r.request;
  const retryable = e instanceof TaskError || e instanceof TimeoutError;
  if (!retryable || r.job.attempts >= attempts) return undefined;
  return backoffDelay(r.job.attempts, backoffMs);
}

/** Stores `e` as job `id`'s final failure; false when nothing was stored (the job is final). */
export function storeFailure(store: JobStore, id: string, e: unknown): boolean {
  return store.update(id, { status: "failed", error: jobErrorOf(e) });
}
