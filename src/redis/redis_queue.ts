/**
 * `redisQueue(url)`: the job backend that shares one queue between workloom nodes through Redis
 * Streams and a consumer group.
 *
 * @module
 */
import type { JobBackend, OpenedJobBackend } from "../jobs/job_backend.ts";
import { runtime } from "../adapter/runtime.ts";
import { redactUrl } from "../redact.ts";
import { EventReader } from "./event_reader.ts";
import { RedisJobs } from "./redis_jobs.ts";
import { checkNoEviction } from "./eviction_check.ts";
import { OutageLog } from "./outage_log.ts";
import { connectRedis } from "./redis_link.ts";
import { RedisNode } from "./redis_node.ts";
import { RedisOutbox } from "./redis_outbox.ts";
import { RedisSchedules } from "./redis_schedules.ts";
import { RedisStore } from "./redis_store.ts";
import { chunkOptions, RedisChunks } from "./redis_chunks.ts";
import { redisKeys } from "./redis_keys.ts";
import { parseSentinelUrl } from "./redis_client.ts";

/** The default bound of the payload bytes a queue keeps in Redis (`--max-store-bytes`): 1 GiB. */
export const REDIS_STORE_BYTES = 1 << 30;

/** Options of {@linkcode redisQueue}. */
export interface RedisQueueOptions {
  /**
   * The queue's name: every key starts with `{<prefix>}`, a hash tag, so that several queues
   * share one Redis and each is one hash slot of a Redis Cluster. @default {"workloom"}
   */
  prefix?: string;
  /** This node's name in the consumer group and in `/nodes`. @default {"<runtime>-<random>"} */
  nodeId?: string;
  /**
   * A running job whose node has not renewed its claim for this long is taken over by another
   * node (the node renews every third of it). @default {5000}
   */
  claimIdleMs?: number;
  /** Deliveries of a job whose node keeps dying before it goes to the dead-letter stream. @default {3} */
  maxDeliveries?: number;
  /** How often a node looks for due delayed jobs and work it missed. @default {250} */
  pollMs?: number;
  /**
   * The deadline of every Redis command, in ms: a Redis that stalls or is gone is answered
   * `503 queue_unavailable` within it (a blocking read gets its block time on top).
   * @default {2000}
   */
  commandTimeoutMs?: number;
  /**
   * PEM text of the certificate authorities that signed the certificate of a `rediss://` Redis
   * (a private CA); without it, the runtime's own roots.
   */
  ca?: string;
  /**
   * Bytes of chunks (JSON text, UTF-8) kept per streamed job in its Redis stream, for clients
   * that resume: the replay window; past it the oldest chunks go first. @default {1048576}
   */
  chunkWindowBytes?: number;
  /** How long a streamed job's chunks are kept after it ends (within its time to live). @default {300000} */
  chunkKeepMs?: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot use the Redis queue as '${name}' must be a positive integer: current value is ${value}`,
    );
  }
  return value;
}

/**
 * A job backend on the Redis at `url`: `redis://host:port`, any node of a Redis Cluster (found
 * by itself), `rediss://user:password@host:port` for TLS and an ACL user (with `ca` for a private
 * CA), or `redis+sentinel://host:port[,host:port…]/<master>` to follow failovers. Connect by IP
 * on Deno, where a host name with a port-scoped --allow-net loops on a permission error. Give it
 * to `createServer({ queue })` on every node; they share one queue.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "@workloom/workloom";
 * import { createServer } from "@workloom/workloom/server";
 * import { redisQueue } from "@workloom/workloom/redis";
 * const pool = createPool(new URL("./tasks.ts", import.meta.url));
 * const server = await createServer(pool, { queue: redisQueue("redis://127.0.0.1:6379") });
 * ```
 */
export function redisQueue(url: string, options: RedisQueueOptions = {}): JobBackend {
  if (typeof url !== "string" || !/^(rediss?|redis\+sentinel):\/\//.test(url)) {
    throw new TypeError(
      "Cannot use the Redis queue as 'url' must start with redis://, rediss:// or " +
        `redis+sentinel://: current value is ${typeof url === "string" ? redactUrl(url) : url}`,
    );
  }
  if (url.startsWith("redis+sentinel://")) parseSentinelUrl(url);
  const prefix = options.prefix ?? "workloom";
  if (typeof prefix !== "string" || !/^[\w.:-]+$/.test(prefix)) {
    throw new TypeError(
      `Cannot use the Redis queue as 'prefix' must be letters, digits, _ . : or -: current value is ${prefix}`,
    );
  }
  const claimIdleMs = positive("claimIdleMs", options.claimIdleMs, 5000);
  const maxDeliveries = positive("maxDeliveries", options.maxDeliveries, 3);
  const pollMs = positive("pollMs", options.pollMs, 250);
  const commandTimeoutMs = positive("commandTimeoutMs", options.commandTimeoutMs, 2000);
  const nodeId = options.nodeId ?? `${runtime.key}-${crypto.randomUUID().slice(0, 8)}`;
  const { ca, chunkWindowBytes, chunkKeepMs } = options;
  // Checked now (a RangeError names the option), used when a server opens the queue.
  chunkOptions({ windowBytes: chunkWindowBytes, keepMs: chunkKeepMs });
  if (ca !== undefined && (typeof ca !== "string" || !ca.includes("-----BEGIN CERTIFICATE-----"))) {
    throw new TypeError(
      `Cannot use the Redis queue as 'ca' must be PEM text with a certificate: current value is ${
        typeof ca === "string" ? `${ca.slice(0, 40)}…` : ca
      }`,
    );
  }
  if (ca !== undefined && !url.startsWith("rediss://")) {
    throw new TypeError(
      `Cannot use the Redis queue as 'ca' needs a rediss:// url: current value is ${
        redactUrl(url)
      }`,
    );
  }
  // Keyless commands (TIME, INFO) go to the master of the queue's slot on a cluster.
  const slotKey = redisKeys(prefix).jobs;
  return {
    name: "redis",
    async open(pool, s): Promise<OpenedJobBackend> {
      // An outage is logged once when it starts, in a summary every 10 s, and when it ends;
      // not once per failed command, retry or reconnection attempt.
      const outage = new OutageLog(s.log, { what: `Redis at ${redactUrl(url)}` });
      const log = (e: unknown) => outage.error(e);
      const link = (name: string) =>
        connectRedis(url, {
          onError: log,
          name,
          commandTimeoutMs,
          onHealth: (reason) => outage.health(reason),
          ca,
          slotKey,
        });
      const commands = await link(`workloom:${nodeId}`);
      try {
        await checkNoEviction(commands, url);
      } catch (e) {
        await commands.close({ now: true });
        throw e;
      }
      // The events connection's failures come with the other's: only its errors are heard.
      const blocking = await connectRedis(url, {
        onError: log,
        name: `workloom:${nodeId}:events`,
        commandTimeoutMs,
        ca,
        slotKey,
      });
      const jobs = new RedisJobs(commands, prefix);
      // The limits as the take script reads them: { name: [max, windowMs] }.
      const pairs = (all: Record<string, { max: number; windowMs: number }> = {}) =>
        JSON.stringify(
          Object.fromEntries(Object.entries(all).map(([k, l]) => [k, [l.max, l.windowMs]])),
        );
      jobs.rateArgs = [pairs(s.rateLimits?.keys), pairs(s.rateLimits?.tasks)];
      const chunks = new RedisChunks(jobs, { windowBytes: chunkWindowBytes, keepMs: chunkKeepMs });
      const store = new RedisStore(jobs, {
        ttlMs: s.jobTtlMs,
        consumerIdleMs: Math.max(60_000, 10 * claimIdleMs),
        log,
        chunks,
      });
      // What a draining node may spend recording once its jobs had their time: a few tries.
      const recordMs = 2 * commandTimeoutMs;
      const node = new RedisNode(jobs, pool, {
        nodeId,
        keyConcurrency: s.keyConcurrency,
        maxQueue: s.maxQueue,
        maxQueuePerKey: s.maxQueuePerKey,
        maxQueuePerClient: s.maxQueuePerClient,
        maxJobs: s.maxJobs,
        maxBytes: s.maxStoreBytes ?? REDIS_STORE_BYTES,
        maxResult: s.maxResult,
        jobTtlMs: s.jobTtlMs,
        claimIdleMs,
        maxDeliveries,
        pollMs,
        recordMs,
        log,
        chunks,
      });
      const outbox = new RedisOutbox(jobs);
      const reader = new EventReader(blocking, jobs.keys.events, (events) => {
        store.deliver(events);
        for (const e of events) {
          if (e.kind !== "status" || e.status === "running") continue;
          // A final job may have a webhook to deliver: look now rather than at the next poll.
          if (e.status !== "queued" && e.status !== "delayed") outbox.onDue?.();
          // A job became ready, or a running one ended and freed its key's slot.
          if (e.status === "queued" || e.status === "delayed") node.queued(e.id);
          else node.roomFreed();
          if (e.status === "cancelled") node.abortLocal(e.id, "The job was cancelled");
        }
      }, log);
      node.start();
      reader.start();
      const schedules = new RedisSchedules(jobs, {
        maxJobs: s.maxJobs,
        maxQueue: s.maxQueue,
        ttlMs: s.jobTtlMs,
        maxBytes: s.maxStoreBytes ?? REDIS_STORE_BYTES,
        maxQueuePerKey: s.maxQueuePerKey,
        maxQueuePerClient: s.maxQueuePerClient,
      });
      return {
        runner: node,
        store,
        outbox,
        schedules,
        async close() {
          node.close();
          await reader.close();
          await commands.send(["HDEL", jobs.keys.nodes, nodeId]).catch(log);
          await commands.close();
        },
      };
    },
  };
}
