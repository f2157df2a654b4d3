/**
 * The embedded, in-memory job store: job records, idempotency keys, change listeners, and the
 * tombstones of expired jobs. Bounded (`maxJobs` jobs and as many tombstones) and swept by
 * `sweep()`, which its owner calls on a timer.
 *
 * @module
 */
import { decideIdempotency } from "./idempotency.ts";
import type { JobStoreApi } from "./job_backend.ts";
import type { Job, JobChange, JobLookup, JobRequest, ListFilter } from "./job.ts";
import { isFinal } from "./job.ts";
import { IdempotencyConflictError, JobsFullError } from "./job_errors.ts";
import { JobWatchers } from "./job_watchers.ts";
import { retentionAction, retryAfterSeconds } from "./retention.ts";

export type { JobChange, JobLookup, ListFilter };

/** A job with what the store needs besides what clients see. */
export interface StoredJob {
  job: Job;
  request: JobRequest;
  /** Submission order: the listing order and its cursor. */
  seq: number;
  /** Bumped on every change: the SSE event id. */
  rev: number;
  fingerprint: string;
  idempotencyKey?: string;
  finishedAtMs?: number;
}

/** Options of {@linkcode JobStore}. */
export interface JobStoreOptions {
  /** Jobs kept at most (tombstones are bounded by the same number). @default {10000} */
  maxJobs?: number;
  /** How long finished jobs are kept, and then their tombstones. @default {3600000} */
  ttlMs?: number;
  /** The clock, in milliseconds. @default {Date.now} */
  now?: () => number;
}

/**
 * The in-memory job store.
 *
 * @example
 * ```ts
 * import { JobStore } from "./job_store.ts";
 * const store = new JobStore({ maxJobs: 10 });
 * const { record } = store.insert({ task: "echo", input: 1 }, { fingerprint: "x" });
 * console.log(store.lookup(record.job.id).state); // "found"
 * ```
 */
export class JobStore implements JobStoreApi {
  readonly maxJobs: number;
  readonly ttlMs: number;
  readonly now: () => number;
  #jobs = new Map<string, StoredJob>();
  #tombstones = new Map<string, number>();
  #keys = new Map<string, string>();
  #watchers = new JobWatchers();
  #seq = 0;

  constructor(options: JobStoreOptions = {}) {
    this.maxJobs = options.maxJobs ?? 10_000;
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** Jobs held now, finished ones included. */
  get size(): number {
    return this.#jobs.size;
  }

  /** Tombstones held now. */
  get tombstones(): number {
    return this.#tombstones.size;
  }

  /** Throws `JobsFullError` unless `count` more jobs fit. */
  ensureRoom(count: number): void {
    if (this.#jobs.size + count <= this.maxJobs) return;
    // The store frees room only as finished jobs expire: say when the oldest one will.
    let oldest = Infinity;
    for (const r of this.#jobs.values()) {
      if (r.finishedAtMs !== undefined && r.finishedAtMs < oldest) oldest = r.finishedAtMs;
    }
    const wait = oldest === Infinity ? 1000 : oldest + this.ttlMs - this.now();
    throw new JobsFullError("store", `${this.#jobs.size} jobs are kept`, retryAfterSeconds(wait));
  }

  /**
   * Adds a queued job, or with an idempotency key that a live job holds, returns that job
   * (`created: false`). Throws `IdempotencyConflictError` or `JobsFullError`.
   */
  insert(
    request: JobRequest,
    options: { fingerprint: string; idempotencyKey?: string },
  ): { record: StoredJob; created: boolean } {
    const key = options.idempotencyKey;
    if (key !== undefined) {
      const held = this.#jobs.get(this.#keys.get(key) ?? "");
      const decision = decideIdempotency(
        held && { fingerprint: held.fingerprint, status: held.job.status },
        options.fingerprint,
      );
      if (decision === "replay") return { record: held!, created: false };
      if (decision === "conflict") throw new IdempotencyConflictError(key);
    }
    this.ensureRoom(1);
    const id = crypto.randomUUID();
    const record: StoredJob = {
      job: {
        id,
        task: request.task,
        status: "queued",
        attempts: 0,
        submittedAt: new Date(this.now()).toISOString(),
      },
      request,
      seq: ++this.#seq,
      rev: 1,
      fingerprint: options.fingerprint,
    };
    if (key !== undefined) {
      record.idempotencyKey = key;
      this.#keys.set(key, id);
    }
    this.#jobs.set(id, record);
    return { record, created: true };
  }

  /** The live record of job `id` (for the runner; do not hand it out). */
  record(id: string): StoredJob | undefined {
    return this.#jobs.get(id);
  }

  /** A copy of job `id`, or whether it expired. */
  lookup(id: string): JobLookup {
    const r = this.#jobs.get(id);
    if (r) return { state: "found", job: { ...r.job }, rev: r.rev };
    return this.#tombstones.has(id) ? { state: "expired" } : { state: "missing" };
  }

  /**
   * Changes job `id` and tells its listeners at once, synchronously: a waiter sees the very
   * change that stored the result, never a later or an earlier one. A final job never changes.
   */
  update(id: string, patch: Partial<Job>, kind: JobChange["kind"] = "status"): boolean {
    const r = this.#jobs.get(id);
    if (!r || isFinal(r.job.status)) return false;
    Object.assign(r.job, patch);
    if (isFinal(r.job.status)) r.finishedAtMs = this.now();
    r.rev++;
    if (this.#watchers.has(id)) this.#watchers.notify(id, { job: { ...r.job }, rev: r.rev, kind });
    return true;
  }

  /** Calls `listener` on every change of job `id`; returns a function that stops it. */
  watch(id: string, listener: (change: JobChange) => void): () => void {
    return this.#watchers.watch(id, listener);
  }

  /** Listeners now watching any job (waiters and event streams). */
  get watchers(): number {
    return this.#watchers.count;
  }

  /** Jobs in submission order after `cursor`, filtered; `nextCursor` when more may follow. */
  list(filter: ListFilter = {}): { jobs: Job[]; nextCursor?: number } {
    const limit = filter.limit ?? 100;
    const after = filter.cursor ?? 0;
    const jobs: Job[] = [];
    let last = 0;
    for (const r of this.#jobs.values()) {
      if (r.seq <= after) continue;
      if (filter.status !== undefined && r.job.status !== filter.status) continue;
      if (filter.task !== undefined && r.job.task !== filter.task) continue;
      if (jobs.length === limit) return { jobs, nextCursor: last };
      jobs.push({ ...r.job });
      last = r.seq;
    }
    return { jobs };
  }

  /**
   * Expires finished jobs past their time to live (they leave tombstones and free their
   * idempotency keys) and forgets old tombstones. Returns how many of each.
   */
  sweep(): { expired: number; forgotten: number } {
    const now = this.now();
    let expired = 0;
    let forgotten = 0;
    for (const [id, expiredAt] of this.#tombstones) {
      if (retentionAction({ expiredAt }, now, this.ttlMs) === "forget") {
        this.#tombstones.delete(id);
        forgotten++;
      }
    }
    for (const [id, r] of this.#jobs) {
      if (retentionAction({ finishedAt: r.finishedAtMs }, now, this.ttlMs) !== "expire") continue;
      this.#jobs.delete(id);
      if (r.idempotencyKey !== undefined && this.#keys.get(r.idempotencyKey) === id) {
        this.#keys.delete(r.idempotencyKey);
      }
      this.#tombstones.set(id, now);
      expired++;
    }
    // Tombstones are bounded too: past the bound the oldest go first (Maps keep insertion order).
    for (const id of this.#tombstones.keys()) {
      if (this.#tombstones.size <= this.maxJobs) break;
      this.#tombstones.delete(id);
      forgotten++;
    }
    return { expired, forgotten };
  }
}
