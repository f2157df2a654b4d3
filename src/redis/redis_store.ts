/**
 * The reading side of the Redis queue for the routes: lookups and listings read Redis, and
 * watchers on this node hear of changes made on any node through the events stream.
 *
 * @module
 */
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
  #listeners = new Map<string, Set<(change: JobChange) => void>>();

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
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  get watchers(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Expires old jobs and does the queue's upkeep (see MAINTAIN); tombstones expire by TTL. */
  async sweep(): Promise<{ expired: number; forgotten: number }> {
    const expired = await this.#jobs.maintain(this.#ttlMs, this.#consumerIdleMs);
    return { expired, forgotten: 0 };
  }

  /**
   * Tells the watchers of the jobs in `events` what their job is now. Only watched jobs are
   * read back; replies come in order on the one connection, so a watcher never sees a job go
   * back to an older revision.
   */
  deliver(events: readonly QueueEvent[]): void {
    for (const e of events) {
      if (!this.#listeners.has(e.id)) continue;
      this.#jobs.lookup(e.id).then((now) => {
        if (now.state !== "found") return;
        const change: JobChange = { job: now.job, rev: now.rev, kind: e.kind };
        for (const listener of [...this.#listeners.get(e.id) ?? []]) listener(change);
      }, this.#log);
    }
  }
}
