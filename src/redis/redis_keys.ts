/**
 * The names of the queue's keys under one prefix: the same in TypeScript (reads) and in the Lua
 * scripts (writes), which build them from the prefix they get as ARGV[1].
 *
 * @module
 */

/** The consumer group every node reads the dispatch stream in. */
export const GROUP = "workers";

/**
 * The keys of a queue named `prefix`.
 *
 * @example
 * ```ts
 * import { redisKeys } from "./redis_keys.ts";
 * console.log(redisKeys("wl").job("j1")); // "wl:job:j1"
 * ```
 */
export function redisKeys(prefix: string): {
  job: (id: string) => string;
  tomb: (id: string) => string;
  jobs: string;
  dispatch: string;
  dead: string;
  events: string;
  nodes: string;
  beats: string;
  recorded: string;
  waiting: string;
  running: string;
  delayed: string;
  hooks: string;
} {
  return {
    /** Hash: one job, its request, state, result (changed only by scripts). */
    job: (id) => `${prefix}:job:${id}`,
    /** String with a time to live: an expired job's tombstone (410). */
    tomb: (id) => `${prefix}:tomb:${id}`,
    /** Sorted set: job ids by submission order (the listing and its cursor). */
    jobs: `${prefix}:jobs`,
    /** Stream read through the consumer group: one entry per job run handed to a node. */
    dispatch: `${prefix}:dispatch`,
    /** Stream: poison jobs (delivered too often without finishing). */
    dead: `${prefix}:dead`,
    /** Stream: every status and progress change, for waiters, event streams and wake-ups. */
    events: `${prefix}:events`,
    /** Hash: node id → what the node said about itself (JSON). */
    nodes: `${prefix}:nodes`,
    /** Hash: node id → its last heartbeat (ms, Redis time). */
    beats: `${prefix}:beats`,
    /** Counter: results recorded (each job's final state is recorded once). */
    recorded: `${prefix}:recorded`,
    /** Counter: queued and delayed jobs (the --max-queue bound). */
    waiting: `${prefix}:waiting`,
    /** Hash: concurrency key → jobs of it running now, on all nodes. */
    running: `${prefix}:running`,
    /** Sorted set: delayed job ids by the time they are due (ms, Redis time). */
    delayed: `${prefix}:delayed`,
    /**
     * Sorted set: job id → when its webhook delivery is due (ms, Redis time): added with the
     * job's final state, pushed back by a claim's lease or a retry's backoff, removed when over.
     */
    hooks: `${prefix}:hooks`,
  };
}
