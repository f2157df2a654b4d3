/**
 * The embedded default job backend: the in-memory store and runner of one process.
 *
 * @module
 */
import type { JobBackend } from "./job_backend.ts";
import { JobRunner } from "./job_runner.ts";
import { JobStore } from "./job_store.ts";
import { MemoryOutbox } from "./memory_outbox.ts";
import { detectMemory } from "../machine/memory.ts";

/** The share of the memory this process may use that the in-memory store's payloads may take. */
export const STORE_MEMORY_SHARE = 0.25;

/** The store's byte bound when the machine's memory cannot be read. */
export const FALLBACK_STORE_BYTES = 256 * 1024 * 1024;

/**
 * The in-memory store's default byte bound: a quarter of the memory this process may use (the
 * machine's, or its cgroup limit when lower), as the machine profile detects it; 256 MiB when
 * it cannot. A quarter, because a payload held as a JavaScript value can take two to three
 * times its JSON length, and the pool and the server need the rest.
 *
 * @example
 * ```ts
 * import { defaultStoreBytes } from "./memory_queue.ts";
 * console.log(defaultStoreBytes() > 0); // true
 * ```
 */
export function defaultStoreBytes(): number {
  const total = detectMemory().total;
  return total === null ? FALLBACK_STORE_BYTES : Math.floor(total * STORE_MEMORY_SHARE);
}

/** Options of {@linkcode memoryQueue}: what it keeps of streamed jobs' chunks. */
export interface MemoryQueueOptions {
  /** Bytes of chunks (JSON text) kept per streamed job for resuming clients. @default {1048576} */
  chunkWindowBytes?: number;
  /** How long a streamed job's chunks are kept after it ends (within its time to live). @default {300000} */
  chunkKeepMs?: number;
}

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
export function memoryQueue(options: MemoryQueueOptions = {}): JobBackend {
  return {
    name: "memory",
    open(pool, s) {
      const store = new JobStore({
        // Called only once jobs run, after the outbox below exists.
        onFinal: (r) => outbox.add(r),
        maxJobs: s.maxJobs,
        maxBytes: s.maxStoreBytes ?? defaultStoreBytes(),
        // A tenant may keep the share of the store it may hold of the queue.
        keyShare: Math.min(1, s.maxQueuePerKey / s.maxQueue),
        clientShare: Math.min(1, s.maxQueuePerClient / s.maxQueue),
        ttlMs: s.jobTtlMs,
        now: s.now,
        chunks: { windowBytes: options.chunkWindowBytes, keepMs: options.chunkKeepMs },
      });
      const runner = new JobRunner(pool, store, {
        keyConcurrency: s.keyConcurrency,
        maxQueue: s.maxQueue,
        maxQueuePerKey: s.maxQueuePerKey,
        maxQueuePerClient: s.maxQueuePerClient,
        maxResult: s.maxResult,
        concurrency: s.concurrency,
        rateLimits: s.rateLimits,
      });
      const outbox = new MemoryOutbox(store, { maxPending: s.webhookMaxPending ?? 1000 });
      return Promise.resolve({ runner, store, outbox, close: () => Promise.resolve() });
    },
  };
}
