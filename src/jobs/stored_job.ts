/**
 * What the in-memory store holds per job (`StoredJob`): the lean record, its times as numbers,
 * and the byte counts of its payloads, with the helpers that read them.
 *
 * @module
 */
import type { Job, JobRequest } from "./job.ts";

/** The job's fields the store keeps as they are: all but its times. */
export type JobFields = Omit<Job, "submittedAt" | "startedAt" | "finishedAt" | "runAt">;

/**
 * A job with what the store needs besides what clients see. Its times are numbers (ms since the
 * epoch), made ISO text only in the copies handed out (see `JobStore.view`): a held job keeps no
 * strings for them.
 */
export interface StoredJob {
  job: JobFields;
  submittedMs: number;
  /** When its last attempt started. */
  startedMs?: number;
  /** When its last delay or backoff ends or ended. */
  runAtMs?: number;
  /** The request without its input (which is `input`). */
  request: Omit<JobRequest, "input">;
  /** The input's JSON text (`undefined` for a request without one). */
  input?: string;
  /** Where the submission came from, for the per-client quota. */
  client?: string;
  /** Submission order: the listing order and its cursor. */
  seq: number;
  /** Bumped on every change: the SSE event id. */
  rev: number;
  /** Set only with an idempotency key: the hash of the request (see `fingerprint`). */
  fingerprint?: string;
  idempotencyKey?: string;
  finishedAtMs?: number;
  /** JSON lengths of its result and error, and of its progress (its input's is `input.length`). */
  outcomeBytes: number;
  progressBytes: number;
}

/** The length of `value`'s JSON text, or `undefined` when JSON cannot carry it. */
export function jsonLength(value: unknown): number | undefined {
  try {
    return JSON.stringify(value)?.length ?? 4;
  } catch {
    return undefined;
  }
}

/**
 * The bytes of payloads job record `r` holds: its input's, outcome's and progress's JSON lengths.
 *
 * @example
 * ```ts
 * import { total } from "./stored_job.ts";
 * const r = { input: "12", outcomeBytes: 3, progressBytes: 0 } as Parameters<typeof total>[0];
 * console.log(total(r)); // 5
 * ```
 */
export function total(r: StoredJob): number {
  return (r.input?.length ?? 0) + r.outcomeBytes + r.progressBytes;
}

/**
 * The tenant record `r` counts against: its concurrency key (`""` without one) and its client.
 *
 * @example
 * ```ts
 * import { tenantOf } from "./stored_job.ts";
 * const r = { request: { task: "t" }, client: "10.0.0.1" } as Parameters<typeof tenantOf>[0];
 * console.log(tenantOf(r)); // { key: "", client: "10.0.0.1" }
 * ```
 */
export function tenantOf(r: StoredJob): { key: string; client?: string } {
  return { key: r.request.concurrencyKey ?? "", client: r.client };
}
