/**
 * A job hash as Redis replies it (a flat list of fields and values) turned into the job clients
 * see. Times are stored as Redis-clock milliseconds and sent as ISO strings.
 *
 * @module
 */
import type { Job, JobStatus } from "../jobs/job.ts";

/**
 * A hash reply as a record: RESP2's flat `[field, value, …]`, or the object node-redis makes of
 * it (it maps map-typed replies such as HGETALL's to objects, even through `sendCommand`).
 */
export function fieldsOf(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (reply !== null && typeof reply === "object" && !Array.isArray(reply)) {
    for (const [k, v] of Object.entries(reply)) out[k] = String(v);
    return out;
  }
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

/** The hash fields a client's view of a job is made of (never the request or bookkeeping). */
export const JOB_FIELDS: readonly string[] = [
  "id",
  "task",
  "status",
  "attempts",
  "submittedAt",
  "startedAt",
  "finishedAt",
  "runAt",
  "rev",
  "progress",
  "result",
  "error",
];

/**
 * An HMGET reply as a record of the fields asked for, leaving out those that are absent.
 *
 * @example
 * ```ts
 * import { zipFields } from "./job_hash.ts";
 * console.log(zipFields(["id", "result"], ["j1", null])); // { id: "j1" }
 * ```
 */
export function zipFields(names: readonly string[], reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const values = Array.isArray(reply) ? reply : [];
  names.forEach((name, i) => {
    if (values[i] !== null && values[i] !== undefined) out[name] = String(values[i]);
  });
  return out;
}

function iso(ms: string | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(Number(ms)).toISOString();
}

/**
 * The job and its revision from the fields of its hash; `undefined` for an empty hash.
 *
 * @example
 * ```ts
 * import { jobOfHash } from "./job_hash.ts";
 * const r = jobOfHash({ id: "j1", task: "t", status: "succeeded", attempts: "1", rev: "3",
 *   submittedAt: "0", result: "42" });
 * console.log(r?.job.result, r?.rev); // 42 3
 * ```
 */
export function jobOfHash(h: Record<string, string>): { job: Job; rev: number } | undefined {
  if (h.id === undefined) return undefined;
  const job: Job = {
    id: h.id,
    task: h.task,
    status: h.status as JobStatus,
    attempts: Number(h.attempts ?? 0),
    submittedAt: iso(h.submittedAt)!,
  };
  if (h.progress !== undefined) job.progress = JSON.parse(h.progress);
  if (h.result !== undefined) job.result = JSON.parse(h.result);
  if (h.error !== undefined) job.error = JSON.parse(h.error);
  if (h.startedAt !== undefined) job.startedAt = iso(h.startedAt);
  if (h.finishedAt !== undefined) job.finishedAt = iso(h.finishedAt);
  if (h.runAt !== undefined) job.runAt = iso(h.runAt);
  return { job, rev: Number(h.rev ?? 1) };
}
