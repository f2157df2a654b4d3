/**
 * The errors the job layer raises for the server to turn into HTTP answers (429, 409, 503).
 *
 * @module
 */

/**
 * The job queue (queued and delayed jobs) or the job store is full: try again later.
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
  readonly bound: "queue" | "store";
  /** When a retry may succeed, in whole seconds. */
  readonly retryAfterSeconds: number;
  constructor(bound: "queue" | "store", detail: string, retryAfterSeconds: number) {
    super(`The job ${bound} is full: ${detail}`);
    this.bound = bound;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

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
