/**
 * The embedded default job backend: the in-memory store and runner of one process.
 *
 * @module
 */
import type { JobBackend } from "./job_backend.ts";
import { JobRunner } from "./job_runner.ts";
import { JobStore } from "./job_store.ts";

/**
 * The in-memory job backend: nothing to install, jobs live as long as the process. What
 * `createServer` uses unless given another `queue`.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@workloom/workloom/server";
 * import { memoryQueue } from "./memory_queue.ts";
 * const server = await createServer(pool, { queue: memoryQueue() });
 * ```
 */
export function memoryQueue(): JobBackend {
  return {
    name: "memory",
    open(pool, s) {
      const store = new JobStore({ maxJobs: s.maxJobs, ttlMs: s.jobTtlMs, now: s.now });
      const runner = new JobRunner(pool, store, {
        keyConcurrency: s.keyConcurrency,
        maxQueue: s.maxQueue,
        concurrency: s.concurrency,
      });
      return Promise.resolve({ runner, store, close: () => Promise.resolve() });
    },
  };
}
