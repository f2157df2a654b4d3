/**
 * The start-up check that Redis never evicts the queue's keys: a Redis that drops keys under
 * memory pressure (any `maxmemory-policy` but `noeviction`) would silently lose accepted jobs,
 * their results and the claims that make each run recorded once.
 *
 * @module
 */
import type { RedisLink } from "./redis_link.ts";

/**
 * Resolves when Redis's `maxmemory-policy` is `noeviction`; throws an error naming the setting,
 * its value and the fix otherwise. Reads `INFO memory`, which managed services that disable
 * `CONFIG` still answer.
 *
 * @example
 * ```ts ignore
 * import { checkNoEviction } from "./eviction_check.ts";
 * await checkNoEviction(link, "redis://127.0.0.1:6379");
 * ```
 */
export async function checkNoEviction(link: RedisLink, where: string): Promise<void> {
  const info = String(await link.send(["INFO", "memory"]));
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy === undefined || policy === "noeviction") return;
  throw new Error(
    `Redis at ${where} has maxmemory-policy ${policy}: it may evict the queue's keys and lose ` +
      "accepted jobs. Set it to noeviction (redis.conf: 'maxmemory-policy noeviction', or " +
      "'CONFIG SET maxmemory-policy noeviction'; on a managed Redis, in its parameter group); " +
      "past maxmemory, Redis then refuses writes instead of dropping jobs.",
  );
}
