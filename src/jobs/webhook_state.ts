/**
 * A job's webhook as its request names it and as its delivery stands: plain types shared by the
 * job record and the outbox (a leaf module, so that neither imports the other).
 *
 * @module
 */

/** Where a job's webhook delivery stands, as `GET /jobs/:id` shows it in `webhook`. */
export interface WebhookState {
  /** Where the final job is sent. */
  url: string;
  /** `pending` until it is delivered (a 2xx answer) or has failed for good. */
  status: "pending" | "delivered" | "failed";
  /** Attempts made so far. */
  attempts: number;
  /** Why the last attempt failed (a refused address, a deadline, an HTTP status). */
  lastError?: string;
  /** ISO time of the next attempt, while one is due. */
  nextAttemptAt?: string;
}

/** The webhook a request names as it is stored: `{ url }`. */
export interface WebhookRequest {
  url: string;
}

/**
 * The first state of a job's webhook.
 *
 * @example
 * ```ts
 * import { pendingWebhook } from "./webhook_state.ts";
 * console.log(pendingWebhook("https://example.com/h").status); // "pending"
 * ```
 */
export function pendingWebhook(url: string): WebhookState {
  return { url, status: "pending", attempts: 0 };
}
