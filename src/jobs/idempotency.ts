/**
 * What a submission with an `Idempotency-Key` does, decided from the job already holding that
 * key (if any): create a new job, hand back the existing one, or refuse a different body.
 *
 * @module
 */
import { sha256 } from "../adapter/sha256.ts";
import { writeCanonicalJson } from "./canonical_json.ts";
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

// Pieces are gathered to about this many characters before each hash update: one update per
// piece costs more than the hashing, and one text of the whole would hold the payload twice.
const CHUNK = 64 * 1024;

/**
 * The idempotency fingerprint of a request: the SHA-256 (base64url) of its canonical JSON (object
 * keys sorted at every depth), so two bodies that differ only in key order count as the same
 * request. The text is streamed into the hash in chunks by a loop that never recurses: the
 * fingerprint holds 43 characters, not a second copy of the payload. Measured on a 24 MB
 * request: 0.25–0.7 s on Deno, 0.7–2 s on Bun (a loaded machine), faster than building the
 * whole text for Web Crypto's one-shot digest. Computed only for a submission with an
 * `Idempotency-Key`.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./idempotency.ts";
 * console.log(fingerprint({ b: 1, a: 2 }) === fingerprint({ a: 2, b: 1 })); // true
 * console.log(fingerprint({ a: 1 }).length); // 43
 * ```
 */
export function fingerprint(value: unknown): string {
  const hash = sha256();
  let pending = "";
  writeCanonicalJson(value, (piece) => {
    pending += piece;
    if (pending.length >= CHUNK) {
      hash.update(pending);
      pending = "";
    }
  });
  hash.update(pending);
  return hash.digest("base64url");
}
