/**
 * One delivery attempt: resolve the URL's host, refuse it unless every address it resolves to
 * passes the SSRF rules (`address_policy.ts`), then POST the signed final job to the checked
 * address, within the attempt's deadline, never following a redirect.
 *
 * @module
 */
import { pinnedPost, resolveAll } from "../adapter/pinned_post.ts";
import type { Delivery } from "../jobs/webhook_outbox.ts";
import { type AllowList, refusal } from "./address_policy.ts";
import type { Sign } from "./webhook_signer.ts";
import { urlProblem } from "./webhook_url.ts";

/** How one attempt ended: delivered, failed (worth retrying), or refused (never retried). */
export type AttemptResult =
  | { ok: true; status: number }
  | { ok: false; refused: boolean; reason: string };

/** Options of {@linkcode webhookSender}. */
export interface SenderOptions {
  sign: Sign;
  /** The parsed `--webhook-allow`; `undefined`: public addresses only. */
  allow: AllowList | undefined;
  /** The deadline of one attempt, resolution included, in ms. */
  timeoutMs: number;
  /** Resolves a host to its addresses. @default {resolveAll (the system resolver)} */
  resolve?: (host: string) => Promise<string[]>;
}

/**
 * Returns the function that makes one attempt of a delivery.
 *
 * @example
 * ```ts ignore
 * import { webhookSender } from "./webhook_sender.ts";
 * const send = webhookSender({ sign, allow: undefined, timeoutMs: 10_000 });
 * const result = await send(delivery, new AbortController().signal);
 * ```
 */
export function webhookSender(
  options: SenderOptions,
): (delivery: Delivery, stop: AbortSignal) => Promise<AttemptResult> {
  const resolve = options.resolve ?? resolveAll;
  return async (delivery, stop) => {
    const problem = urlProblem(delivery.url);
    if (problem !== undefined) return { ok: false, refused: true, reason: `refused: ${problem}` };
    const url = new URL(delivery.url);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    // A timer of our own rather than AbortSignal.timeout(), so that none outlives the attempt.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
    const signal = AbortSignal.any([stop, deadline.signal]);
    try {
      const addresses = await abortable(resolve(host), signal);
      if (addresses.length === 0) {
        return { ok: false, refused: false, reason: `${host}: no address` };
      }
      // Every address, not only the first: the resolver's order is not ours to trust.
      for (const a of addresses) {
        const why = refusal(host, a, options.allow);
        if (why !== undefined) return { ok: false, refused: true, reason: `refused: ${why}` };
      }
      const body = JSON.stringify(delivery.job);
      const now = new Date();
      const status = await pinnedPost(url, addresses[0], body, {
        signal,
        headers: {
          "content-type": "application/json",
          "user-agent": "workloom-webhooks",
          "webhook-id": delivery.id,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": options.sign(delivery.id, now, body),
        },
      });
      if (status >= 200 && status < 300) return { ok: true, status };
      const reason = status >= 300 && status < 400
        ? `HTTP ${status}: redirects are not followed`
        : `HTTP ${status}`;
      return { ok: false, refused: false, reason };
    } catch (e) {
      if (signal.aborted && !stop.aborted) {
        return { ok: false, refused: false, reason: `no answer within ${options.timeoutMs} ms` };
      }
      return { ok: false, refused: false, reason: String((e as Error)?.message ?? e) };
    } finally {
      clearTimeout(timer);
    }
  };
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
