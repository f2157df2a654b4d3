/**
 * The embedded, in-memory job store: job records, idempotency keys, change listeners, and the
 * tombstones of expired jobs. Bounded by a count (`maxJobs` jobs and as many tombstones) and by
 * the bytes of the payloads it holds (`maxBytes`: inputs, results, errors and progress, each
 * counted as the length of its JSON text), and swept by `sweep()`, which its owner calls on a
 * timer. Each input is held once, as its JSON text, parsed again only when the job runs.
 *
 * @module
 */
import { decideIdempotency } from "./idempotency.ts";
import type { JobStoreApi } from "./job_backend.ts";
import type { Job, JobChange, JobLookup, JobPage, JobRequest, ListFilter } from "./job.ts";
import { isFinal, JOB_OVERHEAD_BYTES } from "./job.ts";
import { IdempotencyConflictError, JobsFullError } from "./job_errors.ts";
import { type ChunkReplay, JobChunks, type JobChunksOptions } from "./job_chunks.ts";
import { JobWatchers } from "./job_watchers.ts";
import { FinishOrder } from "./finish_order.ts";
import {
  type JobFields,
  jobView,
  jsonLength,
  remeasure,
  type StoredJob,
  tenantOf,
  total,
} from "./stored_job.ts";
import { retentionAction, retryAfterSeconds } from "./retention.ts";
import { type Keeping, TenantHoldings } from "./tenant_holdings.ts";
import { pendingWebhook, type WebhookState } from "./webhook_state.ts";

export type { JobChange, JobLookup, ListFilter };
export type { JobFields, StoredJob };
export { jsonLength };

/** Options of {@linkcode JobStore}. */
export interface JobStoreOptions {
  /** Jobs kept at most (tombstones are bounded by the same number). @default {10000} */
  maxJobs?: number;
  /** Bytes of payloads (JSON text) kept at most; submissions past it are refused. @default {Infinity} */
  maxBytes?: number;
  /**
   * The share (0 to 1) of `maxJobs` and of `maxBytes` one concurrency key may keep: one tenant's
   * finished jobs cannot fill the store for their time to live. @default {1}
   */
  keyShare?: number;
  /** The share of `maxJobs` and of `maxBytes` one client may keep. @default {1} */
  clientShare?: number;
  /** How long finished jobs are kept, and then their tombstones. @default {3600000} */
  ttlMs?: number;
  /** The clock, in milliseconds. @default {Date.now} */
  now?: () => number;
  /** Called once when a job that names a webhook reaches its final state. @default {undefined} */
  onFinal?: (record: StoredJob) => void;
  /** Streamed jobs' chunks: the replay window per job and how long they stay after it ends. */
  chunks?: JobChunksOptions;
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
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly now: () => number;
  #jobs = new Map<string, StoredJob>();
  #tombstones = new Map<string, number>();
  #finished = new FinishOrder();
  #keys = new Map<string, string>();
  #watchers = new JobWatchers();
  #seq = 0;
  #bytes = 0;
  #tenants = new TenantHoldings();
  #shares: { key: number; client: number };
  #onFinal?: (record: StoredJob) => void;
  readonly #chunks: JobChunks;

  constructor(options: JobStoreOptions = {}) {
    this.#onFinal = options.onFinal;
    this.maxJobs = options.maxJobs ?? 10_000;
    this.maxBytes = options.maxBytes ?? Infinity;
    this.#shares = { key: options.keyShare ?? 1, client: options.clientShare ?? 1 };
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.now = options.now ?? Date.now;
    this.#chunks = new JobChunks(options.chunks);
  }

  /** Jobs held now, finished ones included. */
  get size(): number {
    return this.#jobs.size;
  }

  /** Bytes of payloads held now (JSON lengths of inputs, results, errors, progress and chunks). */
  get bytes(): number {
    return this.#bytes + this.#chunks.bytes;
  }

  /**
   * Adds a chunk (its JSON text) of running job `id`: it gets the next revision as its event id,
   * goes to the job's listeners, and is kept in the job's replay window. False when the job is
   * not running.
   */
  appendChunk(id: string, data: string): boolean {
    const r = this.#jobs.get(id);
    if (!r || r.job.status !== "running") return false;
    r.rev++;
    this.#chunks.add(id, r.rev, data);
    if (this.#watchers.has(id)) {
      this.#watchers.notify(id, { job: this.view(r), rev: r.rev, kind: "chunk", chunk: data });
    }
    return true;
  }

  /** The kept chunks of job `id` after event id `after`, and the gap when some are gone. */
  chunksSince(id: string, after: number): ChunkReplay {
    return this.#chunks.since(id, after);
  }

  /** Tombstones held now. */
  get tombstones(): number {
    return this.#tombstones.size;
  }

  /**
   * Throws `JobsFullError` unless the jobs of `entries` (key, client, input bytes) fit: in the
   * store's `maxJobs` and `maxBytes`, then in their key's and client's shares of both. Results
   * and progress of jobs already in are stored even past `maxBytes` (each is bounded by the
   * server's `maxResult`): the bound refuses new work, it never loses finished work.
   */
  ensureRoom(entries: readonly Keeping[]): void {
    const count = entries.length;
    let bytes = 0;
    for (const e of entries) bytes += e.bytes;
    if (this.#jobs.size + count > this.maxJobs) {
      throw new JobsFullError("store", `${this.#jobs.size} jobs are kept`, this.#retryAfter());
    }
    if (this.bytes + bytes > this.maxBytes) {
      throw new JobsFullError(
        "bytes",
        `${this.bytes} bytes are kept, ${bytes} more would pass the maximum of ${this.maxBytes}`,
        this.#retryAfter(),
      );
    }
    const { key, client } = this.#shares;
    if (key < 1 || client < 1) this.#checkShares(entries, key, client);
  }

  #checkShares(entries: readonly Keeping[], key: number, client: number): void {
    this.#tenants.check(entries, {
      jobsPerKey: Math.ceil(this.maxJobs * key),
      bytesPerKey: Math.floor(this.maxBytes * key),
      jobsPerClient: Math.ceil(this.maxJobs * client),
      bytesPerClient: Math.floor(this.maxBytes * client),
    }, () => this.#retryAfter());
  }

  /** Whole seconds until the oldest finished job expires: the store frees room only then. */
  #retryAfter(): number {
    let oldest = Infinity;
    for (const id of this.#finished.oldest()) {
      const r = this.#jobs.get(id);
      if (r?.finishedAtMs !== undefined) {
        oldest = r.finishedAtMs;
        break;
      }
    }
    return retryAfterSeconds(oldest === Infinity ? 1000 : oldest + this.ttlMs - this.now());
  }

  /**
   * Adds a queued job, or with an idempotency key that a live job holds, returns that job
   * (`created: false`). Throws `IdempotencyConflictError`, `JobsFullError`, or what `admit`
   * throws.
   */
  insert(
    request: JobRequest,
    options: {
      fingerprint?: string;
      idempotencyKey?: string;
      client?: string;
      /** Called once the job is known to be new (not a replay): throws to refuse it. */
      admit?: () => void;
      /**
       * The input's JSON text, already made by a caller that checked the room for it (with
       * `ensureRoom`, for a whole batch at once): not made or checked again.
       */
      checkedInput?: { text: string | undefined };
    },
  ): { record: StoredJob; created: boolean } {
    const key = options.idempotencyKey;
    if (key !== undefined) {
      const held = this.#jobs.get(this.#keys.get(key) ?? "");
      const decision = decideIdempotency(
        held && { fingerprint: held.fingerprint ?? "", status: held.job.status },
        options.fingerprint ?? "",
      );
      if (decision === "replay") return { record: held!, created: false };
      if (decision === "conflict") throw new IdempotencyConflictError(key);
    }
    options.admit?.();
    const { input, ...rest } = request;
    const checked = options.checkedInput;
    const text = checked ? checked.text : input === undefined ? undefined : JSON.stringify(input);
    const inputBytes = text?.length ?? 0;
    const keeping = { key: rest.concurrencyKey ?? "", client: options.client, bytes: inputBytes };
    if (!checked) this.ensureRoom([keeping]);
    const id = crypto.randomUUID();
    const record: StoredJob = {
      job: {
        id,
        task: request.task,
        status: "queued",
        attempts: 0,
      },
      submittedMs: this.now(),
      request: rest,
      input: text,
      seq: ++this.#seq,
      rev: 1,
      outcomeBytes: 0,
      progressBytes: 0,
    };
    if (rest.webhook !== undefined) record.job.webhook = pendingWebhook(rest.webhook.url);
    if (options.fingerprint !== undefined) record.fingerprint = options.fingerprint;
    if (options.client !== undefined) record.client = options.client;
    this.#bytes += inputBytes;
    this.#tenants.add(keeping, 1);
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

  /** A copy of the job of record `r` as clients see it, its times as ISO text. */
  view(r: StoredJob): Job {
    return jobView(r);
  }

  /** A copy of job `id`, or whether it expired. */
  lookup(id: string): JobLookup {
    const r = this.#jobs.get(id);
    if (r) return { state: "found", job: this.view(r), rev: r.rev };
    return this.#tombstones.has(id) ? { state: "expired" } : { state: "missing" };
  }

  /**
   * Changes job `id` and tells its listeners at once, synchronously: a waiter sees the very
   * change that stored the result, never a later or an earlier one. A final job never changes.
   * `payloadLength` is the JSON length of the patch's `result` or `progress` when the caller
   * measured it already. Times are kept as numbers: `startedAt` and `runAt` given as ISO text
   * are read, a job that starts running without a `startedAt` is stamped now, and a final one is
   * stamped `finishedAt` now whatever the patch says.
   */
  update(
    id: string,
    patch: Partial<Job>,
    kind: Exclude<JobChange["kind"], "behind"> = "status",
    payloadLength?: number,
  ): boolean {
    const r = this.#jobs.get(id);
    if (!r || isFinal(r.job.status)) return false;
    const delta = remeasure(r, patch, payloadLength);
    if (delta !== 0) {
      this.#bytes += delta;
      this.#tenants.bytes(tenantOf(r), delta);
    }
    let fields: Partial<JobFields> = patch;
    if (
      patch.startedAt !== undefined || patch.finishedAt !== undefined || patch.runAt !== undefined
    ) {
      const { startedAt, finishedAt: _finishedAt, runAt, submittedAt: _submittedAt, ...rest } =
        patch;
      if (startedAt !== undefined) r.startedMs = Date.parse(startedAt);
      if (runAt !== undefined) r.runAtMs = Date.parse(runAt);
      fields = rest;
    }
    if (patch.status === "running" && patch.startedAt === undefined) r.startedMs = this.now();
    Object.assign(r.job, fields);
    const final = isFinal(r.job.status);
    if (final) {
      r.finishedAtMs = this.now();
      this.#finished.add(id);
      this.#chunks.ended(id, r.finishedAtMs);
    }
    r.rev++;
    if (this.#watchers.has(id)) this.#watchers.notify(id, { job: this.view(r), rev: r.rev, kind });
    if (final && r.job.webhook !== undefined) this.#onFinal?.(r);
    return true;
  }

  /**
   * Records where job `id`'s webhook delivery stands (after its final state, which nothing else
   * changes). Returns false for a job no longer kept.
   */
  setWebhook(id: string, state: WebhookState): boolean {
    const r = this.#jobs.get(id);
    if (!r) return false;
    r.job.webhook = state;
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

  /** Jobs in submission order after `cursor`, filtered, cut at `maxBytes` (see `ListFilter`). */
  list(filter: ListFilter = {}): JobPage {
    const limit = filter.limit ?? 100;
    const after = filter.cursor ?? 0;
    const maxBytes = filter.maxBytes ?? Infinity;
    const jobs: Job[] = [];
    let last = 0;
    let bytes = 0;
    for (const r of this.#jobs.values()) {
      if (r.seq <= after) continue;
      if (filter.status !== undefined && r.job.status !== filter.status) continue;
      if (filter.task !== undefined && r.job.task !== filter.task) continue;
      if (jobs.length === limit) return { jobs, nextCursor: last };
      const size = JOB_OVERHEAD_BYTES + r.outcomeBytes + r.progressBytes;
      if (jobs.length > 0 && bytes + size > maxBytes) return { jobs, nextCursor: last, cut: true };
      bytes += size;
      jobs.push(this.view(r));
      last = r.seq;
    }
    return { jobs };
  }

  /**
   * Expires finished jobs past their time to live (they leave tombstones and free their
   * idempotency keys) and forgets old tombstones. Returns how many of each. With `limit`, lets
   * go of at most that many in all and says `more: true` while some are still due (a busy
   * server sweeps in slices, see `src/server/sweeper.ts`).
   */
  sweep(limit = Infinity): { expired: number; forgotten: number; more?: true } {
    const now = this.now();
    let expired = 0;
    let forgotten = 0;
    let more = false;
    // Asked of one that is due: no room left for it in this slice.
    const full = () => (more = expired + forgotten >= limit);
    this.#chunks.sweep(now);
    // Both in the order they expire (tombstones in the order they were made, by Map order; jobs
    // in the order they finished): each loop stops at the first that stays, reading only what
    // it lets go. A clock set back only delays the jobs behind one finished later.
    for (const [id, expiredAt] of this.#tombstones) {
      if (retentionAction({ expiredAt }, now, this.ttlMs) !== "forget" || full()) break;
      this.#tombstones.delete(id);
      forgotten++;
    }
    let swept = 0;
    for (const id of this.#finished.oldest()) {
      if (more) break;
      const r = this.#jobs.get(id);
      if (r) {
        const due = retentionAction({ finishedAt: r.finishedAtMs }, now, this.ttlMs) === "expire";
        if (!due || full()) break;
        this.#jobs.delete(id);
        this.#chunks.forget(id);
        this.#bytes -= total(r);
        this.#tenants.add({ ...tenantOf(r), bytes: total(r) }, -1);
        if (r.idempotencyKey !== undefined && this.#keys.get(r.idempotencyKey) === id) {
          this.#keys.delete(r.idempotencyKey);
        }
        this.#tombstones.set(id, now);
        expired++;
      }
      swept++;
    }
    this.#finished.drop(swept);
    // Tombstones are bounded too: past the bound the oldest go first (Maps keep insertion order).
    for (const id of this.#tombstones.keys()) {
      if (this.#tombstones.size <= this.maxJobs || full()) break;
      this.#tombstones.delete(id);
      forgotten++;
    }
    return more ? { expired, forgotten, more } : { expired, forgotten };
  }
}
