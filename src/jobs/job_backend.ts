/**
 * What the job server needs from a job backend, extracted from the in-memory store and runner so
 * that the routes run on either: the embedded default (`JobStore` + `JobRunner`, synchronous) or
 * a shared queue such as Redis Streams (asynchronous). Every method may answer with a value or a
 * promise; the routes always `await`.
 *
 * @module
 */
import type { ChunkReplay } from "./job_chunks.ts";
import type { RunOptions } from "../engine/run_options.ts";
import type { Job, JobChange, JobLookup, JobPage, JobRequest, ListFilter } from "./job.ts";
import type { WebhookOutbox } from "./webhook_outbox.ts";
import type { ScheduleBook } from "../schedules/schedule_book.ts";
import type { RateLimits } from "./rate_limit.ts";

/** A value now, or later. */
export type Awaitable<T> = T | Promise<T>;

/** What `cancel()` found. */
export type CancelOutcome = "cancelled" | "final" | "missing";

/** The reading side of a job backend: what the routes look up, list and watch. */
export interface JobStoreApi {
  /** A copy of job `id`, or whether it expired. */
  lookup(id: string): Awaitable<JobLookup>;
  /**
   * Jobs in submission order after `cursor`, filtered; `nextCursor` when more may follow. Reads
   * no input, and no result beyond the page's byte bound.
   */
  list(filter?: ListFilter): Awaitable<JobPage>;
  /**
   * Calls `listener` on changes of job `id`; returns a function that stops it. A listener may
   * be called with a revision it has seen already: compare `rev`.
   */
  watch(id: string, listener: (change: JobChange) => void): () => void;
  /** Listeners now watching any job on this node (waiters and event streams). */
  readonly watchers: number;
  /**
   * Expires finished jobs past their time to live and forgets old tombstones: at most about
   * `limit` of them when the store sweeps in slices, then `more: true` if some are still due.
   */
  sweep(limit?: number): Awaitable<{ expired: number; forgotten: number; more?: true }>;
  /**
   * The kept chunks of streamed job `id` after event id `after`, and the gap when some are gone
   * (absent where chunks are not kept; read from Redis on a Redis queue).
   */
  chunksSince?(id: string, after: number): Awaitable<ChunkReplay | undefined>;
}

/** The driving side of a job backend: what the routes submit and cancel. */
export interface JobRunnerApi {
  /** False once draining began: submissions throw `DrainingError`. */
  readonly accepting: boolean;
  /** Submits one job (see `JobRunner.submit`). */
  submit(
    request: JobRequest,
    options?: { idempotencyKey?: string; client?: string },
  ): Awaitable<{ job: Job; created: boolean }>;
  /** Submits jobs together, all or none, heaviest first (see `JobRunner.submitBatch`). */
  submitBatch(requests: readonly JobRequest[], options?: { client?: string }): Awaitable<Job[]>;
  /** Cancels job `id`: removed if waiting, aborted if running. Final jobs are left alone. */
  cancel(id: string, reason?: string): Awaitable<CancelOutcome>;
  /** Stops taking jobs and lets running ones finish until `timeoutMs`. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  /** Jobs by state on this node now. */
  counts(): { queued: number; delayed: number; running: number };
  /** What this runner has done since it started (the in-memory runner counts; others may not). */
  totals?(): {
    submitted: number;
    retried: number;
    succeeded: number;
    failed: number;
    cancelled: number;
  };
  /**
   * Why the job queue cannot be reached now (a shared store stalled or gone), or undefined
   * while it answers; absent for a backend that is always there (in memory).
   */
  unavailable?(): string | undefined;
  /** Jobs waiting for a rate limit now, per concurrency key (absent: no rate limits). */
  rateLimited?(): Awaitable<Record<string, number>>;
  /**
   * Every node sharing the queue, as each last reported itself (id, runtime, workers, jobs in
   * flight, last heartbeat); absent for a backend of one process.
   */
  nodes?(): Promise<Record<string, unknown>[]>;
}

/** One call of a hand-off of many (`Pool.runMany`). */
export interface RunnerCall {
  name: string;
  input: unknown;
  options?: RunOptions;
}

/** The part of a `Pool` a job runner uses. */
export interface RunnerPool {
  run(name: string, input: unknown, options?: RunOptions): Promise<unknown>;
  /** Streams a generator task (see `Pool.stream`): a streamed job's attempt. */
  stream?(
    name: string,
    input: unknown,
    options?: RunOptions,
  ): AsyncIterable<unknown> & { result: Promise<unknown> };
  /**
   * Hands the pool many calls at once, landing in one dispatch turn (one message per worker);
   * without it the runner calls `run()` for each.
   */
  runMany?(calls: Iterable<RunnerCall>): Promise<unknown>[];
  whenRoom(): Promise<void>;
  /** Tasks in the pool's queue now; with `options.maxQueue`, the room a hand-off may take. */
  readonly queueSize?: number;
  readonly options?: { readonly maxQueue: number };
  /** Task slots now (the auto-tuned size); a shared-queue node sizes what it takes by it. */
  stats?(): { concurrency: number; workers: number; targetWorkers: number };
  /** What the pool measured per task: how long a task ran lately, in its worker. */
  metrics?(): { tasks: readonly { count: number; recent: { runMs: number } }[] };
}

/** The settings a backend opens with: the server's options that concern jobs. */
export interface JobBackendSettings {
  keyConcurrency: number;
  maxQueue: number;
  /** Queued and delayed jobs of one concurrency key at most. */
  maxQueuePerKey: number;
  /** Queued and delayed jobs of one client at most. */
  maxQueuePerClient: number;
  /** Jobs handed to the pool at once. @default {by the tasks' run time (see `jobWindow`)} */
  concurrency?: number;
  maxJobs: number;
  /**
   * Bytes of inputs, results, errors and progress kept at most (JSON text). @default {the
   * backend's own: a share of this machine's memory in memory, 1 GiB on Redis}
   */
  maxStoreBytes?: number;
  /** Longest result (JSON text); a longer one fails its job. */
  maxResult: number;
  jobTtlMs: number;
  /**
   * Webhook deliveries waiting at most, where the backend keeps them in this process (in
   * memory); a shared store keeps one per job, bounded by `maxJobs`. @default {1000}
   */
  webhookMaxPending?: number;
  /** Rate limits per concurrency key and per task. @default {none} */
  rateLimits?: RateLimits;
  now: () => number;
  log: (error: unknown) => void;
}

/** A backend opened for one server: its two sides and how to let go of it. */
export interface OpenedJobBackend {
  runner: JobRunnerApi;
  store: JobStoreApi;
  /** The completion webhooks' deliveries it keeps; absent for a backend without webhooks. */
  outbox?: WebhookOutbox;
  /**
   * Where schedules live, shared by every node of the backend; absent for a backend of one
   * process (the server keeps them in memory).
   */
  schedules?: ScheduleBook;
  /** Releases what the backend holds (connections, timers) after the runner drained. */
  close(): Promise<void>;
}

/**
 * A job backend `createServer` can open instead of the in-memory default, such as
 * `redisQueue()` from the `./redis` subpath.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@workloom/workloom/server";
 * import { redisQueue } from "@workloom/workloom/redis";
 * const server = await createServer(pool, { queue: redisQueue("redis://127.0.0.1:6379") });
 * ```
 */
export interface JobBackend {
  /** A name for logs and `/nodes`: `"memory"`, `"redis"`. */
  readonly name: string;
  /** Opens the backend for a server over `pool`. */
  open(pool: RunnerPool, settings: JobBackendSettings): Promise<OpenedJobBackend>;
}
