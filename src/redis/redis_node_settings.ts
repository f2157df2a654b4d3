/**
 * What a Redis node is told besides its queue and pool: its name, the queue's bounds, and the
 * times of its heartbeat, takeover and upkeep.
 *
 * @module
 */
import type { RedisChunks } from "./redis_chunks.ts";

/** What a node needs to know besides its queue and pool. */
export interface RedisNodeSettings {
  /** This node's consumer name in the group. */
  nodeId: string;
  keyConcurrency: number;
  maxQueue: number;
  maxQueuePerKey: number;
  maxQueuePerClient: number;
  maxJobs: number;
  /** Payload bytes the queue keeps in Redis at most. */
  maxBytes: number;
  /** Longest result (JSON text): a longer one fails its job, longer progress is dropped. */
  maxResult: number;
  jobTtlMs: number;
  /** Jobs in flight on this node at most; by default twice the pool's task slots. */
  concurrency?: number;
  /** A run whose node stopped renewing it for this long is taken over. */
  claimIdleMs: number;
  /** Deliveries of one run before it goes to the dead-letter stream. */
  maxDeliveries: number;
  /** How often the node looks for due delayed jobs and work it missed. */
  pollMs: number;
  /**
   * How long a draining node keeps trying to record outcomes and hand runs back once its jobs
   * had their time: past it, what is not recorded is left to another node's takeover.
   */
  recordMs: number;
  log: (error: unknown) => void;
  /** Where streamed jobs (`stream: true`) write their chunks; without it they run as `run()`. */
  chunks?: RedisChunks;
}
