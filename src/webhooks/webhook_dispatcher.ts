/**
 * The webhook dispatcher of one server: claims due deliveries from the backend's outbox, at
 * most `concurrency` in flight, makes each attempt, and records its outcome: delivered, retried
 * after a doubling backoff, or failed for good (attempts used up, or the address refused).
 *
 * @module
 */
import { backoffDelay } from "../jobs/backoff.ts";
import type {
  Delivery,
  DeliveryRecord,
  HeldDelivery,
  WebhookOutbox,
} from "../jobs/webhook_outbox.ts";
import type { AttemptResult } from "./webhook_sender.ts";

/**
 * How much longer than an attempt's deadline a claim is held: a live node records first, and a
 * dead node's delivery is due again this long after its deadline.
 */
export const LEASE_MARGIN_MS = 2000;

/** How a delivery ended, as `/metrics` counts it. */
export type DeliveryOutcome = "delivered" | "retried" | "failed" | "refused";

/** Options of {@linkcode WebhookDispatcher}. */
export interface DispatcherOptions {
  /** Attempts in flight at most. */
  concurrency: number;
  /** Attempts of one delivery at most. */
  attempts: number;
  /** The wait after the first failed attempt, doubling after each. */
  backoffMs: number;
  /** The deadline of one attempt: a claim is held a little longer than it. */
  timeoutMs: number;
  /** How often the outbox is looked at besides its own wake-ups. */
  pollMs: number;
  now: () => number;
  log: (e: unknown) => void;
  /** Hears every attempt's outcome (for the metrics). */
  onOutcome: (outcome: DeliveryOutcome) => void;
}

/**
 * What to record after attempt `d.attempt` ended with `result`.
 *
 * @example
 * ```ts
 * import { recordOf } from "./webhook_dispatcher.ts";
 * const d = { id: "j1", url: "https://example.com/h", attempt: 1, job: {} as never };
 * const r = recordOf(d, { ok: false, refused: false, reason: "HTTP 500" }, { attempts: 3, backoffMs: 1000, now: 0 });
 * console.log(r.state.status, r.retryInMs); // "pending" 1000
 * ```
 */
export function recordOf(
  d: Delivery,
  result: AttemptResult,
  o: { attempts: number; backoffMs: number; now: number },
): DeliveryRecord {
  const base = { url: d.url, attempts: d.attempt };
  if (result.ok) return { state: { ...base, status: "delivered" } };
  if (result.refused || d.attempt >= o.attempts) {
    return { state: { ...base, status: "failed", lastError: result.reason } };
  }
  const retryInMs = backoffDelay(d.attempt, o.backoffMs);
  const nextAttemptAt = new Date(o.now + retryInMs).toISOString();
  return {
    state: { ...base, status: "pending", lastError: result.reason, nextAttemptAt },
    retryInMs,
  };
}

/**
 * Runs the deliveries of one outbox.
 *
 * @example
 * ```ts ignore
 * import { WebhookDispatcher } from "./webhook_dispatcher.ts";
 * const dispatcher = new WebhookDispatcher(outbox, send, options);
 * dispatcher.start();
 * dispatcher.close();
 * ```
 */
export class WebhookDispatcher {
  #outbox: WebhookOutbox;
  #send: (d: Delivery, stop: AbortSignal) => Promise<AttemptResult>;
  #o: DispatcherOptions;
  #inFlight = new Set<Promise<void>>();
  #stop = new AbortController();
  #timer?: ReturnType<typeof setInterval>;
  #claiming = false;
  #wanted = false;
  /** Called each time an attempt ends (a drain waits on these). */
  #ended = new Set<() => void>();

  constructor(
    outbox: WebhookOutbox,
    send: (d: Delivery, stop: AbortSignal) => Promise<AttemptResult>,
    options: DispatcherOptions,
  ) {
    this.#outbox = outbox;
    this.#send = send;
    this.#o = options;
  }

  /** Attempts in flight now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts polling the outbox (and listening to its wake-ups). */
  start(): void {
    this.#outbox.onDue = () => this.wake();
    this.#timer = setInterval(() => this.wake(), this.#o.pollMs);
    this.wake();
  }

  /** Looks for due deliveries now. */
  wake(): void {
    this.#wanted = true;
    if (!this.#claiming && !this.#stop.signal.aborted) void this.#claim();
  }

  /**
   * Shutdown with a bound: keeps making the deliveries only this process holds (an in-memory
   * outbox), retries due in time included, until none is left or `timeoutMs` has passed, then
   * closes. Stops early when nothing is in flight and nothing is due before the end, since
   * waiting could deliver nothing more. Resolves with the deliveries not over (lost with the
   * process). A shared store's deliveries are left to the other nodes at once: nothing is lost.
   *
   * @example
   * ```ts ignore
   * const dropped = await dispatcher.drain(10_000);
   * if (dropped.length) console.error(`${dropped.length} deliveries not sent`);
   * ```
   */
  async drain(timeoutMs: number): Promise<HeldDelivery[]> {
    const outbox = this.#outbox;
    if (outbox.held === undefined) {
      this.close();
      return [];
    }
    const end = performance.now() + timeoutMs;
    for (;;) {
      const held = outbox.held();
      const left = end - performance.now();
      if (held.length === 0 || left <= 0) break;
      const now = this.#o.now();
      if (this.#inFlight.size === 0 && held.every((d) => d.dueAt - now > left)) break;
      this.wake();
      // An attempt ending may end the drain; a poll claims the retries that come due.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#ended.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, this.#o.pollMs));
        this.#ended.add(done);
      });
    }
    this.close();
    return outbox.held();
  }

  /**
   * Stops claiming and aborts the attempts in flight: in memory their deliveries end with the
   * process; in a shared store their claims lapse and another node makes them.
   */
  close(): void {
    clearInterval(this.#timer);
    this.#outbox.onDue = undefined;
    this.#stop.abort(new DOMException("The server shut down", "AbortError"));
  }

  async #claim(): Promise<void> {
    this.#claiming = true;
    try {
      while (this.#wanted && !this.#stop.signal.aborted) {
        this.#wanted = false;
        const free = this.#o.concurrency - this.#inFlight.size;
        if (free <= 0) break;
        // Held a little past the attempt's deadline, so that a live node records first.
        const claimed = await this.#outbox.claim(free, this.#o.timeoutMs + LEASE_MARGIN_MS);
        for (const d of claimed) this.#run(d);
        if (claimed.length === free) this.#wanted = true;
      }
    } catch (e) {
      // The store is out of reach: the next poll tries again.
      this.#o.log(e);
    } finally {
      this.#claiming = false;
    }
  }

  #run(d: Delivery): void {
    const stop = this.#stop.signal;
    const attempt = this.#send(d, stop).then(async (result) => {
      if (stop.aborted) return;
      const record = recordOf(d, result, { ...this.#o, now: this.#o.now() });
      await this.#outbox.record(d, record);
      this.#o.onOutcome(
        result.ok
          ? "delivered"
          : result.refused
          ? "refused"
          : record.retryInMs !== undefined
          ? "retried"
          : "failed",
      );
    }).catch((e) => this.#o.log(e)).finally(() => {
      this.#inFlight.delete(attempt);
      this.wake();
      for (const ended of [...this.#ended]) ended();
    });
    this.#inFlight.add(attempt);
  }
}
