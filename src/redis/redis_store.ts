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
import type { RedisChunks } from "./redis_chunks.ts";
import type { ChunkReplay } from "../jobs/job_chunks.ts";

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
  #chunks?: RedisChunks;
  /** Watchers are told of changes in the order of the events: each waits for the one before. */
  #told: Promise<void> = Promise.resolve();

  constructor(
    jobs: RedisJobs,
    options: {
      ttlMs: number;
      consumerIdleMs: number;
      log: (e: unknown) => void;
      /** Streamed jobs' chunks (redis_chunks.ts). */
      chunks?: RedisChunks;
    },
  ) {
    this.#jobs = jobs;
    this.#ttlMs = options.ttlMs;
    this.#consumerIdleMs = options.consumerIdleMs;
    this.#log = options.log;
    this.#chunks = options.chunks;
  }

  lookup(id: string): Promise<JobLookup> {
    return this.#jobs.lookup(id);
  }

  list(filter?: ListFilter): Promise<{ jobs: Job[]; nextCursor?: number }> {
    return this.#jobs.list(filter);
  }

  watch(id: string, listener: (change: JobChange) => void): () => void {
    // A job watched again starts from the chunks announced from now on.
    if (!this.#watchers.has(id)) this.#chunks?.unwatched(id);
    return this.#watchers.watch(id, listener);
  }

  /** The kept chunks of streamed job `id` after event id `after`, read from Redis. */
  chunksSince(id: string, after: number): Promise<ChunkReplay> | undefined {
    return this.#chunks?.since(id, after);
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
      await this.#chunks?.sweep();
      return { expired, forgotten: 0 };
    } catch (e) {
      if (!(e instanceof QueueUnavailableError)) throw e;
      this.#log(e);
      return { expired: 0, forgotten: 0 };
    }
  }

  /**
   * Tells the watchers of the jobs in `events` what their job is now, and a streamed job's new
   * chunks. Only watched jobs are read back; the reads go out at once (pipelined on the one
   * connection), and the watchers are told in the order of the events, so a watcher never sees
   * a job go back to an older revision, nor its final status before its last chunks. A read
   * that fails tells them `behind` (their streams end with `lagging` and resume from Redis).
   */
  deliver(events: readonly QueueEvent[]): void {
    for (const e of events) {
      if (!this.#watchers.has(e.id)) {
        this.#chunks?.unwatched(e.id);
        continue;
      }
      const job = this.#jobs.lookup(e.id);
      const chunks = e.kind === "chunk" && this.#chunks
        ? this.#chunks.fresh(e.id, e.rev, e.from ?? e.rev)
        : undefined;
      if (e.kind === "status" && e.status !== "running") this.#chunks?.unwatched(e.id);
      this.#told = this.#told.then(async () => {
        let now: JobLookup;
        let read: Awaited<typeof chunks>;
        try {
          [now, read] = await Promise.all([job, chunks]);
        } catch (error) {
          // Redis did not answer this read: what it announced may be lost to these watchers (the
          // cursor moved past it). They resume from Redis with Last-Event-ID, where they get it
          // from the window or a gap event: nothing is held here meanwhile, nothing lost silently.
          this.#log(error);
          const known = await job.catch(() => undefined);
          const found = known?.state === "found" ? known.job : undefined;
          this.#watchers.notify(e.id, { job: found, rev: e.rev, kind: "behind" });
          return;
        }
        if (now.state !== "found") return;
        if (read?.behind) {
          // Chunks went before this node read them: its watchers resume and get a gap event.
          this.#watchers.notify(e.id, { job: now.job, rev: e.rev, kind: "behind" });
        }
        const fresh = read?.chunks;
        if (fresh?.length) {
          // A chunk is kept only while its job runs: that is the job it goes with, even when the
          // job ended since (the watcher must not end its stream before the final status).
          const { result: _r, error: _e, finishedAt: _f, ...running } = now.job;
          const job = { ...running, status: "running" as const };
          for (const c of fresh) {
            this.#watchers.notify(e.id, { job, rev: c.id, kind: "chunk", chunk: c.data });
          }
        }
        if (e.kind !== "chunk") {
          this.#watchers.notify(e.id, { job: now.job, rev: now.rev, kind: e.kind });
        }
      }).catch(this.#log);
    }
  }
}
