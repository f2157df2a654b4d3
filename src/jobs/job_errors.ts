/**
 * The errors the job layer raises for the server to turn into HTTP answers (429, 409, 503).
 *
 * @module
 */

/**
 * Which bound refused a submission: the whole queue (queued and delayed jobs), the jobs kept,
 * the bytes of payloads kept, one concurrency key's share of the queue, or one client's.
 */
export type FullBound = "queue" | "store" | "bytes" | "key" | "client";

/** The error code a client gets for each bound (with 429 and `Retry-After`). */
export const FULL_CODES: Record<FullBound, string> = {
  queue: "queue_full",
  store: "store_full",
  bytes: "store_bytes_full",
  key: "key_quota_full",
  client: "client_quota_full",
};

/**
 * A bound of the job queue or the job store is reached: try again later.
 *
 * @example
 * ```ts
 * import { JobsFullError } from "./job_errors.ts";
 * const e = new JobsFullError("queue", "1000 jobs are waiting", 1);
 * console.log(e.name, e.retryAfterSeconds); // "JobsFullError" 1
 * ```
 */
export class JobsFullError extends Error {
  override name = "JobsFullError";
  /** Which bound was reached. */
  readonly bound: FullBound;
  /** When a retry may succeed, in whole seconds. */
  readonly retryAfterSeconds: number;
  constructor(bound: FullBound, detail: string, retryAfterSeconds: number) {
    super(`${TITLES[bound]}: ${detail}`);
    this.bound = bound;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const TITLES: Record<FullBound, string> = {
  queue: "The job queue is full",
  store: "The job store is full",
  bytes: "The job store holds its maximum of payload bytes",
  key: "This concurrency key's share of the queue is full",
  client: "This client's share of the queue is full",
};

/**
 * An `Idempotency-Key` was reused with a different request body.
 *
 * @example
 * ```ts
 * import { IdempotencyConflictError } from "./job_errors.ts";
 * console.log(new IdempotencyConflictError("k1").message);
 * ```
 */
export class IdempotencyConflictError extends Error {
  override name = "IdempotencyConflictError";
  constructor(key: string) {
    super(
      `Idempotency-Key ${JSON.stringify(key)} was already used with a different request body`,
    );
  }
}

/**
 * The runner is draining (shutting down) and takes no new jobs.
 *
 * @example
 * ```ts
 * import { DrainingError } from "./job_errors.ts";
 * console.log(new DrainingError().name); // "DrainingError"
 * ```
 */
export class DrainingError extends Error {
  override name = "DrainingError";
  constructor() {
    super("The server is shutting down and takes no new jobs");
  }
}
