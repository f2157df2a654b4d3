/**
 * How long finished jobs and their tombstones are kept, as pure functions of times in
 * milliseconds.
 *
 * @module
 */

/** What the store does with one record at a sweep. */
export type RetentionAction = "keep" | "expire" | "forget";

/**
 * Decides one record at time `now`: a finished job past `finishedAt + ttl` expires (it leaves a
 * tombstone, so its id answers 410 rather than 404); a tombstone lasts one more `ttl` and is then
 * forgotten (404). Unfinished jobs are always kept.
 *
 * @example
 * ```ts
 * import { retentionAction } from "./retention.ts";
 * console.log(retentionAction({ finishedAt: 0 }, 1_000, 500)); // "expire"
 * console.log(retentionAction({ expiredAt: 1_000 }, 1_200, 500)); // "keep"
 * ```
 */
export function retentionAction(
  record: { finishedAt?: number; expiredAt?: number },
  now: number,
  ttlMs: number,
): RetentionAction {
  if (record.expiredAt !== undefined) return now >= record.expiredAt + ttlMs ? "forget" : "keep";
  if (record.finishedAt === undefined) return "keep";
  return now >= record.finishedAt + ttlMs ? "expire" : "keep";
}

/**
 * Whole seconds for a `Retry-After` header: at least 1, rounded up.
 *
 * @example
 * ```ts
 * import { retryAfterSeconds } from "./retention.ts";
 * console.log(retryAfterSeconds(1_200)); // 2
 * ```
 */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
