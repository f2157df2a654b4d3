/**
 * The reading side of the Redis queue for the routes: lookups and listings read Redis, and
 * watchers on this node hear of changes made on any node through the events stream.
 *
 * @module
 */
import { JobWatchers } from "../jobs/job_watchers.ts";
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";
import type { Job } from "../jobs/job.ts";
import type { JobStoreApi } from "../jobs/job_backend.ts";
import type { JobChange, JobLookup, ListFilter } from "../jobs/job_store.ts";
import type { QueueEvent } from "./event_reader.ts";
import type { RedisJobs } from "./redis_jobs.ts";

/**
 * The job store view of a Redis queue.
 *
 * @example
 * ```ts ignore
 * import { RedisStore } from "./redis_store.ts";
 * const store = new RedisStore(jobs, { ttlMs: 3_600_000, consumerIdleMs: 60_000 });
 * console.log((await store.lookup(id)).state);
 * ```
 */
export class RedisStore implements JobStoreApi {
  #jobs: RedisJobs;
  #ttlMs: number;
  #consumerIdleMs: number;
  #log: (e: unknown) => void;
  #watchers = new JobWatchers();

  constructor(
    jobs: RedisJobs,
    options: { ttlMs: number; consumerIdleMs: number; log: (e: unknown) => void },
  ) {
    this.#jobs = jobs;
    this.#ttlMs = options.ttlMs;
    this.#consumerIdleMs = options.consumerIdleMs;
    this.#log = options.log;
  }

  lookup(id: string): Promise<JobLookup> {
    return this.#jobs.lookup(id);
  }

  list(filter?: ListFilter): Promise<{ jobs: Job[]; nextCursor?: number }> {
    return this.#jobs.list(filter);
  }

  watch(id: string, listener: (change: JobChange) => void): () => void {
    return this.#watchers.watch(id, listener);
  }

  get watchers(): number {
    return this.#watchers.count;
  }

  /**
   * Expires old jobs and does the queue's upkeep (see MAINTAIN); tombstones expire by TTL. With
   * Redis out of reach, does nothing (the outage is logged once, not every sweep).
   */
  async sweep(): Promise<{ expired: number; forgotten: number }> {
    try {
      const expired = await this.#jobs.maintain(this.#ttlMs, this.#consumerIdleMs);
      return { expired, forgotten: 0 };
    } catch (e) {
      if (!(e instanceof QueueUnavailableError)) throw e;
      this.#log(e);
      return { expired: 0, forgotten: 0 };
    }
  }

  /**
   * Tells the watchers of the jobs in `events` what their job is now. Only watched jobs are
   * read back; replies come in order on the one connection, so a watcher never sees a job go
   * back to an older revision.
   */
  deliver(events: readonly QueueEvent[]): void {
    for (const e of events) {
      if (!this.#watchers.has(e.id)) continue;
      this.#jobs.lookup(e.id).then((now) => {
        if (now.state !== "found") return;
        this.#watchers.notify(e.id, { job: now.job, rev: now.rev, kind: e.kind });
      }, this.#log);
    }
  }
}
