/**
 * The webhook deliveries of a Redis queue, shared by its nodes: each is claimed under a lease
 * (see `lua/webhook_scripts.ts`), so a node killed with deliveries pending or in flight leaves
 * them to the others once the lease lapses. At least once, usually once: receivers drop
 * duplicates by `webhook-id`.
 *
 * @module
 */
import type { Delivery, DeliveryRecord, WebhookOutbox } from "../jobs/webhook_outbox.ts";
import { JOB_FIELDS, jobOfHash, zipFields } from "./job_hash.ts";
import { HOOK_CLAIM, HOOK_RECORD } from "./lua/webhook_scripts.ts";
import type { RedisJobs } from "./redis_jobs.ts";

// What a delivery sends: the job as clients see it, without its delivery state.
const SENT_FIELDS = JOB_FIELDS.filter((f) => f !== "webhook");

/**
 * The outbox of one Redis queue.
 *
 * @example
 * ```ts ignore
 * import { RedisOutbox } from "./redis_outbox.ts";
 * const outbox = new RedisOutbox(jobs);
 * const due = await outbox.claim(8, 15_000);
 * ```
 */
export class RedisOutbox implements WebhookOutbox {
  onDue?: () => void;
  #jobs: RedisJobs;

  constructor(jobs: RedisJobs) {
    this.#jobs = jobs;
  }

  async claim(n: number, leaseMs: number): Promise<Delivery[]> {
    const reply = (await HOOK_CLAIM.run(this.#jobs.link, this.#jobs.keys, [
      n,
      leaseMs,
      ...SENT_FIELDS,
    ])) as unknown[];
    const out: Delivery[] = [];
    for (let i = 0; i + 3 < reply.length; i += 4) {
      const read = jobOfHash(zipFields(SENT_FIELDS, reply[i + 3]));
      const hook = JSON.parse(String(reply[i + 2])) as { url: string };
      if (read === undefined) continue;
      out.push({
        id: String(reply[i]),
        url: hook.url,
        attempt: Number(reply[i + 1]),
        job: read.job,
      });
    }
    return out;
  }

  async record(d: Delivery, outcome: DeliveryRecord): Promise<void> {
    await HOOK_RECORD.run(this.#jobs.link, this.#jobs.keys, [
      d.id,
      d.attempt,
      JSON.stringify(outcome.state),
      outcome.retryInMs === undefined ? "" : Math.ceil(outcome.retryInMs),
    ]);
  }
}
