/**
 * The Node transport: a thread link (`thread_link.ts`) whose thread is a `worker_threads` Worker
 * running `workers/node_worker.js`, for Node, which has no global `Worker`. It shares memory
 * like a Web Worker, so it has the same fast path and exact task flags. It runs from the built
 * package only (`dist/`): Node cannot load our `.ts` sources.
 *
 * @module
 */
import { startNodeThread } from "../adapter/node_threads.ts";
import { ThreadLink } from "./thread_link.ts";
import { workerEntryUrl } from "./worker_entry_url.ts";
import type { SpawnLink } from "./worker_link.ts";

/**
 * Starts a Node worker-thread link: the pool's transport on Node.
 *
 * @example
 * ```ts ignore
 * const link = spawnNodeWorker(1, { moduleUrl, concurrency: 1, startTimeoutMs: 10_000 }, events);
 * ```
 */
export const spawnNodeWorker: SpawnLink = (id, options, events) =>
  new ThreadLink(
    id,
    options,
    events,
    (name, threadEvents) => startNodeThread(workerEntryUrl("node_worker"), name, threadEvents),
    "node-worker",
  );
