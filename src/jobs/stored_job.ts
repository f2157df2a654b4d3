/**
 * What the in-memory store holds per job (`StoredJob`): the lean record, its times as numbers,
 * and the byte counts of its payloads, with the helpers that read them.
 *
 * @module
 */
import { isoTime } from "./iso_time.ts";
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

/**
 * A copy of the job of record `r` as clients see it, its times as ISO text.
 *
 * @example
 * ```ts
 * import { jobView } from "./stored_job.ts";
 * const r = { job: { id: "a", task: "t", status: "queued", attempts: 0 }, submittedMs: 0 };
 * console.log(jobView(r as Parameters<typeof jobView>[0]).submittedAt); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function jobView(r: StoredJob): Job {
  const job: Job = { ...r.job, submittedAt: isoTime(r.submittedMs) };
  if (r.startedMs !== undefined) job.startedAt = isoTime(r.startedMs);
  if (r.finishedAtMs !== undefined) job.finishedAt = isoTime(r.finishedAtMs);
  if (r.runAtMs !== undefined) job.runAt = isoTime(r.runAtMs);
  return job;
}

/**
 * Counts again the payload bytes of record `r` that `patch` changes (its progress, result or
 * error) and returns by how much its total changed (0 for a status change). `payloadLength` is
 * the JSON length of the patch's `result` or `progress` when the caller measured it already.
 *
 * @example
 * ```ts
 * import { remeasure } from "./stored_job.ts";
 * const r = { job: {}, outcomeBytes: 0, progressBytes: 0 } as Parameters<typeof remeasure>[0];
 * console.log(remeasure(r, { progress: [1, 2] }, undefined)); // 5
 * ```
 */
export function remeasure(
  r: StoredJob,
  patch: Partial<Job>,
  payloadLength: number | undefined,
): number {
  const before = total(r);
  if ("progress" in patch) {
    r.progressBytes = payloadLength ?? jsonLength(patch.progress) ?? 0;
  }
  if ("result" in patch || "error" in patch) {
    const result = "result" in patch ? patch.result : r.job.result;
    const error = "error" in patch ? patch.error : r.job.error;
    const measured = "result" in patch && payloadLength !== undefined;
    r.outcomeBytes =
      (result === undefined ? 0 : measured ? payloadLength : jsonLength(result) ?? 0) +
      (error === undefined ? 0 : jsonLength(error) ?? 0);
  }
  return total(r) - before;
}
