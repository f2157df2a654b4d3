/**
 * The server's completion webhooks: the signer, the sender with the SSRF rules, and the
 * dispatcher over the backend's outbox, counted in the server's metrics.
 *
 * @module
 */
import type { WebhookOutbox } from "../jobs/webhook_outbox.ts";
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
