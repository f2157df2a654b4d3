/**
 * What a submission with an `Idempotency-Key` does, decided from the job already holding that
 * key (if any): create a new job, hand back the existing one, or refuse a different body.
 *
 * @module
 */
import { isFinal, type JobStatus } from "./job.ts";

/** `create`: a new job; `replay`: answer with the existing job; `conflict`: 409. */
export type IdempotencyDecision = "create" | "replay" | "conflict";

/**
 * Decides a keyed submission. A failed or cancelled job frees its key, so that a client can try
 * again with the same key after a failure; a succeeded or unfinished job keeps it.
 *
 * @example
 * ```ts
 * import { decideIdempotency } from "./idempotency.ts";
 * console.log(decideIdempotency({ fingerprint: "a", status: "running" }, "a")); // "replay"
 * console.log(decideIdempotency({ fingerprint: "a", status: "running" }, "b")); // "conflict"
 * console.log(decideIdempotency({ fingerprint: "a", status: "failed" }, "b")); // "create"
 * ```
 */
export function decideIdempotency(
  existing: { fingerprint: string; status: JobStatus } | undefined,
  fingerprint: string,
): IdempotencyDecision {
  if (!existing) return "create";
  if (isFinal(existing.status) && existing.status !== "succeeded") return "create";
  return existing.fingerprint === fingerprint ? "replay" : "conflict";
}

/**
 * A canonical text of a JSON value (object keys sorted at every depth), so that two bodies that
 * differ only in key order count as the same request.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./idempotency.ts";
 * console.log(fingerprint({ b: 1, a: [2, { d: 3, c: 4 }] })); // {"a":[2,{"c":4,"d":3}],"b":1}
 * ```
 */
export function fingerprint(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${fingerprint(record[k])}`).join(",")}}`;
}
