/**
 * The error a job client throws for an error answer of the server.
 *
 * @module
 */

/**
 * The job server answered with an error: its HTTP status, its `code` and message, and when to
 * retry for 429 and 503.
 *
 * @example
 * ```ts
 * import { JobServerError } from "./job_server_error.ts";
 * const e = new JobServerError(404, "unknown_task", "task: no task named \"x\"");
 * console.log(e.name, e.status, e.code); // "JobServerError" 404 "unknown_task"
 * ```
 */
export class JobServerError extends Error {
  override name = "JobServerError";
  /** The HTTP status. */
  readonly status: number;
  /** The server's error code, such as `unknown_task` or `queue_full`. */
  readonly code: string;
  /** Seconds from `Retry-After`, when the server sent one. */
  readonly retryAfterSeconds?: number;
  constructor(status: number, code: string, message: string, retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.code = code;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}
