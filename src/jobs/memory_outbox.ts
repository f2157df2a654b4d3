/**
 * The in-memory store's webhook deliveries: a bounded list of the jobs whose delivery is due or
 * waiting for a retry, by job id. Past `maxPending`, a new delivery fails at once on its job
 * (`lastError` says why) rather than growing the list.
 *
 * @module
 */
import type { JobStore, StoredJob } from "./job_store.ts";
import type { Delivery, DeliveryRecord, HeldDelivery, WebhookOutbox } from "./webhook_outbox.ts";

/**
 * The deliveries of one in-memory store.
 *
 * @example
 * ```ts
 * import { JobStore } from "./job_store.ts";
 * import { MemoryOutbox } from "./memory_outbox.ts";
 * let outbox: MemoryOutbox | undefined;
 * const store = new JobStore({ onFinal: (r) => outbox?.add(r) });
 * outbox = new MemoryOutbox(store, { maxPending: 10 });
 * console.log(outbox.pending); // 0
 * ```
 */
export class MemoryOutbox implements WebhookOutbox {
  readonly maxPending: number;
  onDue?: () => void;
  #store: JobStore;
  /** Job id → when its next attempt is due (ms, the store's clock). */
  #due = new Map<string, number>();
  #dropped = 0;

  constructor(store: JobStore, options: { maxPending: number }) {
    this.#store = store;
    this.maxPending = options.maxPending;
  }

  /** Deliveries waiting or in flight now. */
  get pending(): number {
    return this.#due.size;
  }

  /** Deliveries refused because `maxPending` were waiting. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Adds the delivery of job `r`, now final. */
  add(r: StoredJob): void {
    const hook = r.job.webhook;
    if (hook === undefined || this.#due.has(r.job.id)) return;
    if (this.#due.size >= this.maxPending) {
      this.#dropped++;
      this.#store.setWebhook(r.job.id, {
        ...hook,
        status: "failed",
        lastError: `not sent: ${this.#due.size} deliveries were waiting, the most kept`,
      });
      return;
    }
    this.#due.set(r.job.id, this.#store.now());
    this.onDue?.();
  }

  claim(n: number, leaseMs: number): Delivery[] {
    const now = this.#store.now();
    const out: Delivery[] = [];
    for (const [id, due] of this.#due) {
      if (out.length >= n) break;
      if (due > now) continue;
      const r = this.#store.record(id);
      const hook = r?.job.webhook;
      if (!r || hook === undefined || hook.status !== "pending") {
        this.#due.delete(id);
        continue;
      }
      this.#due.set(id, now + leaseMs);
      const { webhook: _, ...job } = this.#store.view(r);
      out.push({ id, url: hook.url, attempt: hook.attempts + 1, job });
    }
    return out;
  }

  /** Every delivery waiting or in flight: this process alone holds them. */
  held(): HeldDelivery[] {
    return [...this.#due].map(([id, dueAt]) => {
      const lastError = this.#store.record(id)?.job.webhook?.lastError;
      return lastError === undefined ? { id, dueAt } : { id, dueAt, lastError };
    });
  }

  record(d: Delivery, outcome: DeliveryRecord): void {
    const hook = this.#store.record(d.id)?.job.webhook;
    // Only the attempt that is current records: a stale one (its claim had lapsed) is ignored.
    if (hook === undefined || hook.attempts !== d.attempt - 1) return;
    this.#store.setWebhook(d.id, outcome.state);
    if (outcome.retryInMs === undefined) this.#due.delete(d.id);
    else this.#due.set(d.id, this.#store.now() + outcome.retryInMs);
  }
}
