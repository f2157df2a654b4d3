/**
 * A node's submissions to the shared queue: single ones gathered into calls (SubmitBatcher),
 * batches in one call each, and the ids of the jobs this node submitted until their events come
 * back, so that the node does not look for work twice for one job of its own (it looks when the
 * submission's reply comes).
 *
 * @module
 */
import { fingerprint } from "../jobs/idempotency.ts";
import type { Job, JobRequest } from "../jobs/job.ts";
import type { RedisJobs } from "./redis_jobs.ts";
import { newJobView, type RedisNodeSettings, submitBounds } from "./redis_node_settings.ts";
import { SubmitBatcher } from "./submit_batcher.ts";

/** Own submissions remembered until their events come back. */
const SUBMITTED_KEPT = 16_384;

/**
 * Sends a node's submissions and remembers them as its own.
 *
 * @example
 * ```ts ignore
 * import { NodeSubmitter } from "./node_submitter.ts";
 * const submitter = new NodeSubmitter(jobs, settings);
 * const { job } = await submitter.submit({ task: "echo", input: 1 });
 * submitter.own(job.id); // true once: its "queued" event is this node's own
 * ```
 */
export class NodeSubmitter {
  #jobs: RedisJobs;
  #s: RedisNodeSettings;
  #batcher: SubmitBatcher;
  #submitted = new Set<string>();

  constructor(jobs: RedisJobs, settings: RedisNodeSettings) {
    this.#jobs = jobs;
    this.#s = settings;
    // Single submissions that come while one is on its way to Redis go together in one call.
    this.#batcher = new SubmitBatcher((batch, client) =>
      jobs.submitEach(batch, submitBounds(settings), client)
    );
  }

  /** Whether job `id` is one this node submitted and has not heard of since (forgets it). */
  own(id: string): boolean {
    return this.#submitted.delete(id);
  }

  /** One job; `created: false` with the live job that holds its idempotency key. */
  async submit(
    request: JobRequest,
    options: { idempotencyKey?: string; client?: string },
  ): Promise<{ job: Job; created: boolean }> {
    const id = crypto.randomUUID();
    const { idempotencyKey } = options;
    const { replay, submittedAt } = await this.#sending([id], () =>
      this.#batcher.submit({
        id,
        request,
        fingerprint: idempotencyKey === undefined ? undefined : fingerprint(request),
        idempotencyKey,
      }, options.client ?? ""));
    if (replay !== undefined) {
      this.#submitted.delete(id);
      const held = await this.#jobs.lookup(replay);
      if (held.state === "found") return { job: held.job, created: false };
    }
    return { job: newJobView(id, request, submittedAt), created: true };
  }

  /** Many jobs, all or none, heaviest first (submission order is the order within a priority). */
  async submitBatch(requests: readonly JobRequest[], client?: string): Promise<Job[]> {
    const ids = requests.map(() => crypto.randomUUID());
    const order = requests.map((_, i) => i).sort((a, b) =>
      (requests[b].weight ?? 1) - (requests[a].weight ?? 1) || a - b
    );
    const { submittedAt } = await this.#sending(ids, () =>
      this.#jobs.submit(
        order.map((i) => ({ id: ids[i], request: requests[i] })),
        submitBounds(this.#s),
        client,
      ));
    return requests.map((r, i) => newJobView(ids[i], r, submittedAt));
  }

  /**
   * Sends a submission of jobs `ids`, remembered as this node's own from before it goes: their
   * events may be read before its reply. Bounded: ids whose events the reader never saw (a
   * trimmed stream) are not kept forever; one forgotten costs the node one take at most.
   */
  async #sending<R>(ids: readonly string[], send: () => Promise<R>): Promise<R> {
    if (this.#submitted.size + ids.length > SUBMITTED_KEPT) this.#submitted.clear();
    for (const id of ids) this.#submitted.add(id);
    try {
      return await send();
    } catch (e) {
      for (const id of ids) this.#submitted.delete(id);
      throw e;
    }
  }
}
