/**
 * The Redis Streams job backend: several workloom nodes pull from one shared queue. A subpath of
 * its own, so that users who never use Redis never load a Redis client.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "@workloom/workloom";
 * import { createServer } from "@workloom/workloom/server";
 * import { redisQueue } from "@workloom/workloom/redis";
 * const pool = createPool(new URL("./tasks.ts", import.meta.url));
 * const server = await createServer(pool, { queue: redisQueue("redis://127.0.0.1:6379") });
 * Deno.serve({ port: 8787, hostname: "127.0.0.1" }, server.fetch);
 * ```
 *
 * @module
 */

export { redisQueue } from "./src/redis/redis_queue.ts";
export type { RedisQueueOptions } from "./src/redis/redis_queue.ts";
export { RedisJobs } from "./src/redis/redis_jobs.ts";
export type { Claimed, NewJob, Outcome } from "./src/redis/redis_jobs.ts";
export { redisKeys } from "./src/redis/redis_keys.ts";
export { connectRedis } from "./src/redis/redis_link.ts";
export type { RedisLink } from "./src/redis/redis_link.ts";
