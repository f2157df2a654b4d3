/**
 * The server's completion webhooks: the signer, the sender with the SSRF rules, and the
 * dispatcher over the backend's outbox, counted in the server's metrics.
 *
 * @module
 */
import type { HeldDelivery, WebhookOutbox } from "../jobs/webhook_outbox.ts";
import { WebhookDispatcher } from "../webhooks/webhook_dispatcher.ts";
import { webhookSender } from "../webhooks/webhook_sender.ts";
import { webhookSigner } from "../webhooks/webhook_signer.ts";
import type { ServerMetrics } from "./server_metrics.ts";
import type { ResolvedServerOptions } from "./server_options.ts";

/** How often the dispatcher looks for due deliveries besides the outbox's wake-ups, in ms. */
export const WEBHOOK_POLL_MS = 250;

/**
 * Starts delivering the outbox's webhooks (loads `standardwebhooks`).
 *
 * @example
 * ```ts ignore
 * import { startWebhooks } from "./webhooks.ts";
 * const dispatcher = await startWebhooks(backend.outbox, options, counters);
 * dispatcher.close();
 * ```
 */
export async function startWebhooks(
  outbox: WebhookOutbox,
  o: ResolvedServerOptions,
  counters: ServerMetrics,
): Promise<WebhookDispatcher> {
  const sign = await webhookSigner(o.webhookSecrets);
  const send = webhookSender({ sign, allow: o.webhookAllow, timeoutMs: o.webhookTimeoutMs });
  const dispatcher = new WebhookDispatcher(outbox, send, {
    concurrency: o.webhookConcurrency,
    attempts: o.webhookAttempts,
    backoffMs: o.webhookBackoffMs,
    timeoutMs: o.webhookTimeoutMs,
    pollMs: WEBHOOK_POLL_MS,
    now: o.now,
    log: o.log,
    onOutcome: (outcome) => counters.webhookAttempt(outcome),
  });
  counters.webhooksInFlightFrom(() => dispatcher.inFlight);
  dispatcher.start();
  return dispatcher;
}

/** Deliveries named one by one in the shutdown log line, at most. */
const NAMED = 20;

/**
 * The log line for the in-memory deliveries a shutdown dropped: how many, and which jobs with
 * their last error, so that an operator can resend them.
 *
 * @example
 * ```ts
 * import { droppedDeliveries } from "./webhooks.ts";
 * console.log(droppedDeliveries([{ id: "j1", dueAt: 0, lastError: "HTTP 503" }], 10_000));
 * // "webhooks: 1 webhook delivery dropped at shutdown, not over when the 10000 ms drain ended
 * // (the in-memory store keeps none): job j1 (last attempt: HTTP 503)"
 * ```
 */
export function droppedDeliveries(dropped: readonly HeldDelivery[], drainMs: number): string {
  const n = dropped.length;
  const named = dropped.slice(0, NAMED).map((d) =>
    `job ${d.id}${d.lastError === undefined ? "" : ` (last attempt: ${d.lastError})`}`
  );
  const more = n > NAMED ? `, and ${n - NAMED} more` : "";
  return `webhooks: ${n} webhook deliver${n === 1 ? "y" : "ies"} dropped at shutdown, not over ` +
    `when the ${drainMs} ms drain ended (the in-memory store keeps none): ${
      named.join(", ")
    }${more}`;
}
