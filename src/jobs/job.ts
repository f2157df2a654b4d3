/**
 * A job: one task run submitted to the job layer, with its lifecycle. The record is plain data,
 * so the store can hand out copies and the server can send it as JSON unchanged.
 *
 * @module
 */
import type { WebhookRequest, WebhookState } from "./webhook_state.ts";
import type { RateLimit } from "./rate_limit.ts";

/** Where a job is in its life. The last three are final: nothing changes a job after them. */
export type JobStatus = "queued" | "delayed" | "running" | "succeeded" | "failed" | "cancelled";

/** Every status, in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = [
  "queued",
  "delayed",
  "running",
  "succeeded",
  "failed",
  "cancelled",
];

/** What a job asks for: the task, its input, and how to run it. */
export interface JobRequest {
  /** The task name: an exported function of the server's task module. */
  task: string;
  /** The task's input (plain JSON). */
  input: unknown;
  /** Lower runs first within its concurrency key. @default {0} */
  priority?: number;
  /** Each attempt fails with TimeoutError after this long. @default {no timeout} */
  timeoutMs?: number;
  /** Held as `delayed` this long before it may run. @default {0} */
  delayMs?: number;
  /** Runs in all, at most, when the task throws. @default {1} */
  attempts?: number;
  /** The wait before the second attempt; it doubles for each one after. @default {1000} */
  backoffMs?: number;
  /** Jobs with the same key share the per-key concurrency limit and take turns with other keys. @default {undefined} */
  concurrencyKey?: string;
  /** Relative cost; heavier jobs of a batch are scheduled first. @default {1} */
  weight?: number;
  /** Stage for the pool's metrics and SLA reports. @default {undefined} */
  stage?: string;
  /** Where the final job is POSTed, signed (the server's `webhookUrl` when absent). @default {undefined} */
  webhook?: WebhookRequest;
  /**
   * At most `max` jobs of this job's concurrency key start in any `windowMs`: overrides the
   * server's limit for the key when this job is next to start. @default {the server's}
   */
  rateLimit?: RateLimit;
  /**
   * The task is a generator: run it with `pool.stream()`, and send its chunks as `chunk` events
   * on the job's event stream (the in-memory backend). @default {false}
   */
  stream?: boolean;
}

/** A failure as clients see it: never a stack. */
export interface JobError {
  name: string;
  message: string;
}

/** Longest error message a job keeps; a longer one is cut and says so. */
export const MAX_ERROR_MESSAGE = 4096;

/**
 * A failure as a job keeps it: name and message only (a stack names server paths and never
 * goes to a client), the message cut at `MAX_ERROR_MESSAGE` characters, so that a task cannot
 * make its error an unbounded payload.
 *
 * @example
 * ```ts
 * import { jobErrorOf } from "./job.ts";
 * console.log(jobErrorOf(new RangeError("x".repeat(10_000))).message.length < 4200); // true
 * ```
 */
export function jobErrorOf(e: unknown): JobError {
  const name = e instanceof Error ? String(e.name).slice(0, 200) : "Error";
  const message = e instanceof Error ? String(e.message) : String(e);
  if (message.length <= MAX_ERROR_MESSAGE) return { name, message };
  const cut = message.length - MAX_ERROR_MESSAGE;
  return { name, message: `${message.slice(0, MAX_ERROR_MESSAGE)}… (${cut} more characters cut)` };
}

/** One job as the store keeps it and the server sends it. */
export interface Job {
  id: string;
  task: string;
  status: JobStatus;
  /** The last value the task passed to `ctx.progress()`. */
  progress?: unknown;
  result?: unknown;
  error?: JobError;
  /** Attempts started so far. */
  attempts: number;
  /** ISO times. */
  submittedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /**
   * When its last wait ends or ended: set as it becomes `delayed`, to the time its `delayMs` or
   * a retry's backoff runs out, so that a client sees when the next attempt may start.
   */
  runAt?: string;
  /** Its completion webhook's delivery, when it names one. */
  webhook?: WebhookState;
  /** Set while a queued job waits for its key's or task's rate limit (`"rate_limit"`). */
  waitingFor?: "rate_limit";
  /** With `waitingFor`: the earliest it may start (ISO), as the limit's window stood then. */
  notBefore?: string;
}

/**
 * True for the statuses a job never leaves.
 *
 * @example
 * ```ts
 * import { isFinal } from "./job.ts";
 * console.log(isFinal("failed"), isFinal("running")); // true false
 * ```
 */
export function isFinal(status: JobStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}

/**
 * One change of a job, as listeners receive it.
 *
 * `chunk`: a streamed job's task yielded `chunk` (its JSON text); `rev` is its event id.
 * `behind`: chunks after the listener's last event were let go, or could not be read, before its
 * node could give them (a shared store's window moved on, or Redis did not answer): an event
 * stream tells its client to resume with Last-Event-ID, which then gets them from the window or a
 * `gap` event, never a silent loss. It carries the job when its node could read it.
 */
export type JobChange =
  | {
    /** A copy of the job after the change. */
    job: Job;
    rev: number;
    kind: "status" | "progress" | "chunk";
    chunk?: string;
  }
  | { job?: Job; rev: number; kind: "behind"; chunk?: undefined };

/** What an id names: a job, the tombstone of an expired one, or nothing known. */
export type JobLookup =
  | { state: "found"; job: Job; rev: number }
  | { state: "expired" }
  | { state: "missing" };

/** Filters and paging of `list()`. */
export interface ListFilter {
  status?: JobStatus;
  task?: string;
  /** At most this many jobs. @default {100} */
  limit?: number;
  /** The `nextCursor` of the previous page. @default {undefined} */
  cursor?: number;
  /**
   * About this many bytes of results, errors and progress per page at most: a page that would
   * pass it ends early (`cut: true`, with `nextCursor`), though it always holds one job.
   * @default {Infinity}
   */
  maxBytes?: number;
}

/** A page of `list()`: `nextCursor` when more may follow, `cut` when `maxBytes` ended it. */
export interface JobPage {
  jobs: Job[];
  nextCursor?: number;
  cut?: boolean;
}

/** Bytes a job's answer takes besides its result, error and progress, as a page counts them. */
export const JOB_OVERHEAD_BYTES = 256;
