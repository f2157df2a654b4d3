/**
 * The error a shared job queue raises when it cannot answer in time (its store stalled, died or
 * is out of reach): the server answers it with `503 queue_unavailable` and `Retry-After`, never
 * with a 500 or a hang.
 *
 * @module
 */

/**
 * The job queue did not answer within its deadline, or is not connected.
 *
 * @example
 * ```ts
 * import { QueueUnavailableError } from "./queue_unavailable.ts";
 * const e = new QueueUnavailableError("Redis did not answer HGETALL within 1000 ms", 1);
 * console.log(e.name, e.retryAfterSeconds); // "QueueUnavailableError" 1
 * ```
 */
export class QueueUnavailableError extends Error {
  override name = "QueueUnavailableError";
  /** When a retry may succeed, in whole seconds. */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
