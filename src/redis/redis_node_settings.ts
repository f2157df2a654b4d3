/**
 * What a Redis node is told besides its queue and pool: its name, the queue's bounds, and the
 * times of its heartbeat, takeover and upkeep.
 *
 * @module
 */
import type { Job, JobRequest } from "../jobs/job.ts";
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

/**
 * The queue's bounds a node's submissions are checked against, as the submit script takes them.
 *
 * @example
 * ```ts ignore
 * import { submitBounds } from "./redis_node_settings.ts";
 * console.log(submitBounds(settings).maxQueue);
 * ```
 */
export function submitBounds(s: RedisNodeSettings): {
  maxJobs: number;
  maxQueue: number;
  ttlMs: number;
  maxBytes: number;
  maxQueuePerKey: number;
  maxQueuePerClient: number;
} {
  return {
    maxJobs: s.maxJobs,
    maxQueue: s.maxQueue,
    ttlMs: s.jobTtlMs,
    maxBytes: s.maxBytes,
    maxQueuePerKey: s.maxQueuePerKey,
    maxQueuePerClient: s.maxQueuePerClient,
  };
}

/**
 * The view of a job a node answers a submission with: queued, or delayed when it has a delay.
 *
 * @example
 * ```ts
 * import { newJobView } from "./redis_node_settings.ts";
 * console.log(newJobView("j1", { task: "t", input: 1, delayMs: 50 }, 0).status); // "delayed"
 * ```
 */
export function newJobView(id: string, request: JobRequest, submittedAt: number): Job {
  return {
    id,
    task: request.task,
    status: (request.delayMs ?? 0) > 0 ? "delayed" : "queued",
    attempts: 0,
    submittedAt: new Date(submittedAt).toISOString(),
  };
}
