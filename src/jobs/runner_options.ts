/**
 * What a job runner is told (`JobRunnerOptions`) and what it counts (`RunnerTotals`).
 *
 * @module
 */
import type { RateLimits } from "./rate_limit.ts";

/** Options of {@linkcode JobRunner}. */
export interface JobRunnerOptions {
  /** Jobs of one concurrency key running at once, at most. @default {4} */
  keyConcurrency?: number;
  /** Queued and delayed jobs, at most; more are refused with `JobsFullError`. @default {1000} */
  maxQueue?: number;
  /**
   * Jobs handed to the pool at once. Kept small so that the ready queue, where fairness is
   * decided, holds the backlog rather than the pool's FIFO queue. Without it, the window follows
   * the tasks' measured run time: about a millisecond of work per task slot (see `jobWindow`),
   * 2 per slot before anything was measured. @default {by the run time}
   */
  concurrency?: number;
  /** Queued and delayed jobs of one concurrency key (`""` for jobs without one), at most. @default {maxQueue} */
  maxQueuePerKey?: number;
  /** Queued and delayed jobs submitted by one client (address), at most. @default {maxQueue} */
  maxQueuePerClient?: number;
  /** Longest JSON text of a result: a longer one fails its job, and longer progress is dropped. @default {Infinity} */
  maxResult?: number;
  /** Rate limits per concurrency key and per task (a job's own `rateLimit` overrides its key's). */
  rateLimits?: RateLimits;
}

/** What a runner has done since it started: the job server's counters. */
export interface RunnerTotals {
  /** Jobs created (an idempotent replay creates none). */
  submitted: number;
  /** Attempts scheduled again after a task threw or timed out. */
  retried: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}
