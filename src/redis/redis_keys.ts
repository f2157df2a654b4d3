/**
 * The names of a queue's keys, defined here and nowhere else: TypeScript reads them through
 * {@linkcode redisKeys}, and the Lua scripts get the fixed ones as KEYS and build the per-job and
 * per-tenant ones from the prefix (ARGV[1]) with the helpers {@linkcode LUA_KEY_HELPERS} makes
 * from the same suffixes.
 *
 * Every key of a queue starts with one hash-tagged prefix, `{<prefix>}`: Redis Cluster hashes
 * only what is between the braces, so every key of one queue, those a script derives while it
 * runs included, lives in one hash slot, on one master, and a script can touch them all.
 *
 * @module
 */

/** The consumer group every node reads the dispatch stream in. */
export const GROUP = "workers";

/** The suffix of each key the queue has exactly one of, after the prefix. */
export const FIXED = {
  /** Sorted set: job ids by submission order (the listing and its cursor). */
  jobs: ":jobs",
  /** Stream read through the consumer group: one entry per job run handed to a node. */
  dispatch: ":dispatch",
  /** Stream: poison jobs (delivered too often without finishing). */
  dead: ":dead",
  /** Stream: every status and progress change, for waiters, event streams and wake-ups. */
  events: ":events",
  /** Hash: node id → what the node said about itself (JSON). */
  nodes: ":nodes",
  /** Hash: node id → its last heartbeat (ms, Redis time). */
  beats: ":beats",
  /** Counter: results recorded (each job's final state is recorded once). */
  recorded: ":recorded",
  /** Counter: queued and delayed jobs (the --max-queue bound). */
  waiting: ":waiting",
  /** Hash: concurrency key → jobs of it running now, on all nodes. */
  running: ":running",
  /** Sorted set: delayed job ids by the time they are due (ms, Redis time). */
  delayed: ":delayed",
  /** Sorted set: concurrency keys with ready jobs, by when each was last served (the rotation). */
  turns: ":turns",
  /** Counter: the last turn handed out (the score of the key just served in `turns`). */
  turn: ":turn",
  /** Sorted set: finished job ids by when they finished (expiry). */
  finished: ":finished",
  /** Counter: submissions (a job's place in submission order). */
  seq: ":seq",
  /** Counter: bytes of payloads the queue keeps (the --max-store-bytes bound). */
  bytes: ":bytes",
  /** Hash: concurrency key → its queued and delayed jobs (--max-queue-per-key). */
  wkey: ":wkey",
  /** Hash: client → its queued and delayed jobs (--max-queue-per-client). */
  wclient: ":wclient",
  /** Hash: concurrency key → jobs it keeps, finished ones included (its share of --max-jobs). */
  kjobs: ":kjobs",
  /** Hash: concurrency key → payload bytes it keeps (its share of --max-store-bytes). */
  kbytes: ":kbytes",
  /** Hash: client → jobs it keeps. */
  cjobs: ":cjobs",
  /** Hash: client → payload bytes it keeps. */
  cbytes: ":cbytes",
  /**
   * Sorted set: job id → when its webhook delivery is due (ms, Redis time): added with the job's
   * final state, pushed back by a claim's lease or a retry's backoff, removed when over.
   */
  hooks: ":hooks",
  /** Sorted set: schedule ids by creation order (the listing and the --max-schedules bound). */
  schedules: ":schedules",
  /** Sorted set: unpaused schedule ids by their next tick (ms). */
  schedDue: ":sched-due",
  /** Counter: schedules created (their creation order). */
  schedSeq: ":sched-seq",
  /** Hash: concurrency key → its ready jobs while its rate limit holds them back (/metrics). */
  rateWaiting: ":rate-waiting",
  /**
   * Never written. Every script declares it among its KEYS: while the queue's slot migrates
   * between cluster masters, a missing declared key makes Redis refuse the script with TRYAGAIN
   * before it runs (instead of failing halfway on a key already moved), and the link retries.
   */
  moving: ":moving",
  /**
   * Sorted set: streamed job ids with chunks kept, by when to look at them next (a finished
   * job's chunks go `chunkKeepMs` after it ended; see lua/chunk_scripts.ts).
   */
  chunked: ":chunked",
} as const;

/** The name of one fixed key. */
export type FixedKey = keyof typeof FIXED;

/** The suffix of each key family a script derives at run time, followed by a name. */
export const DERIVED = {
  /** Hash: one job, its request, state, result (changed only by scripts). */
  job: ":job:",
  /** String with a time to live: an expired job's tombstone (410). */
  tomb: ":tomb:",
  /** Sorted set: one concurrency key's ready jobs by priority, then submission order. */
  ready: ":ready:",
  /** String: idempotency key → the id of the job that holds it. */
  idem: ":idem:",
  /** Hash: one schedule: spec (JSON), next (ms), paused ('0'/'1'). */
  sched: ":sched:",
  /** List: a schedule's last runs, newest first (JSON). */
  schedRuns: ":sched-runs:",
  /** Sorted set, expiring after its window: starts of a concurrency key's jobs (Redis ms). */
  rate: ":rate:",
  /** Sorted set, the same: starts of a task's jobs. */
  rateTask: ":rate-task:",
  /**
   * Stream: a streamed job's chunks in its replay window, entry id `<rev>-0` (the chunk's event
   * id), field `d` its JSON text.
   */
  chunks: ":chunks:",
} as const;

/** The name of one derived key family. */
export type DerivedKey = keyof typeof DERIVED;

/**
 * The prefix every key of the queue named `name` starts with: `{name}`, a hash tag, so that the
 * queue is one slot of a Redis Cluster. A name that has its own hash tag (`app:{jobs}`) is kept
 * as it is.
 *
 * @example
 * ```ts
 * import { taggedPrefix } from "./redis_keys.ts";
 * console.log(taggedPrefix("workloom")); // "{workloom}"
 * ```
 */
export function taggedPrefix(name: string): string {
  return /\{[^}]+\}/.test(name) ? name : `{${name}}`;
}

/** The keys of one queue: its hash-tagged prefix, each fixed key, and the derived families. */
export type RedisKeys =
  & { readonly prefix: string }
  & { readonly [K in FixedKey]: string }
  & {
    readonly [K in DerivedKey]: (name: string) => string;
  };

/**
 * The keys of the queue named `name` (see {@linkcode taggedPrefix}).
 *
 * @example
 * ```ts
 * import { redisKeys } from "./redis_keys.ts";
 * console.log(redisKeys("wl").job("j1")); // "{wl}:job:j1"
 * ```
 */
export function redisKeys(name: string): RedisKeys {
  const prefix = taggedPrefix(name);
  const keys: Record<string, unknown> = { prefix };
  for (const [k, suffix] of Object.entries(FIXED)) keys[k] = prefix + suffix;
  for (const [k, suffix] of Object.entries(DERIVED)) keys[k] = (n: string) => prefix + suffix + n;
  return keys as RedisKeys;
}

/**
 * The Lua functions that build derived keys from the prefix `P` (ARGV[1]): `job_key(id)`,
 * `tomb_key(id)`, `ready_key(ckey)`, `idem_key(key)`, `sched_key(id)`, `runs_key(id)`,
 * `rate_key(ckey)`, `rate_task_key(task)`, `chunks_key(id)`. Same suffixes as {@linkcode redisKeys}.
 */
export const LUA_KEY_HELPERS: Record<DerivedKey, string> = {
  job: `local function job_key(id) return P .. '${DERIVED.job}' .. id end`,
  tomb: `local function tomb_key(id) return P .. '${DERIVED.tomb}' .. id end`,
  ready: `local function ready_key(ckey) return P .. '${DERIVED.ready}' .. ckey end`,
  idem: `local function idem_key(key) return P .. '${DERIVED.idem}' .. key end`,
  sched: `local function sched_key(id) return P .. '${DERIVED.sched}' .. id end`,
  schedRuns: `local function runs_key(id) return P .. '${DERIVED.schedRuns}' .. id end`,
  rate: `local function rate_key(ckey) return P .. '${DERIVED.rate}' .. ckey end`,
  rateTask: `local function rate_task_key(task) return P .. '${DERIVED.rateTask}' .. task end`,
  chunks: `local function chunks_key(id) return P .. '${DERIVED.chunks}' .. id end`,
};
