/**
 * The Web Worker transport (Deno, Bun, browsers): a thread link (`thread_link.ts`) whose thread
 * is a module Web Worker running `workers/web_worker.ts`.
 *
 * @module
 */
import type { FromWorker } from "./protocol.ts";
import type { StartThread, Thread, ThreadEvents } from "./thread.ts";
import { ThreadLink } from "./thread_link.ts";
import { workerEntryUrl } from "./worker_entry_url.ts";
import type { SpawnLink } from "./worker_link.ts";

/**
 * Starts a module Web Worker running the worker entry, with the global `Worker`.
 *
 * @example
 * ```ts ignore
 * const thread = startWebWorker("workloom-1", { message, error, exit });
 * ```
 */
export const startWebWorker: StartThread = (name: string, events: ThreadEvents): Thread => {
  const worker = new Worker(workerEntryUrl("web_worker"), { type: "module", name });
  worker.onmessage = (e: MessageEvent<FromWorker>) => events.message(e.data);
  worker.onerror = (e: ErrorEvent) => {
    // Deno ends the whole process unless the parent handles a worker's uncaught error.
    e.preventDefault();
    events.error(`uncaught ${e.message || "error"}`);
  };
  worker.onmessageerror = () => events.error("a message from the worker could not be read");
  // Bun reports every end of a worker with a `close` event, after all of its messages; Deno
  // has none (see the exit hooks).
  worker.addEventListener("close", (e) => {
    const code = (e as Event & { code?: number }).code;
    events.exit(`the worker exited${code === undefined ? "" : ` with code ${code}`}`);
  });
  // Bun's workers can be unref'd; Deno's cannot (the pool retires idle workers there).
  const w = worker as Worker & { ref?: () => void; unref?: () => void };
  return {
    post: (message, transfer) => worker.postMessage(message, transfer),
    terminate: () => worker.terminate(),
    ref: () => w.ref?.(),
    unref: () => w.unref?.(),
  };
};

/**
 * Starts a Web Worker link: the pool's transport on Deno, Bun and in browsers.
 *
 * @example
 * ```ts ignore
 * const link = spawnWebWorker(1, { moduleUrl, concurrency: 1, startTimeoutMs: 10_000 }, events);
 * ```
 */
export const spawnWebWorker: SpawnLink = (id, options, events) =>
  new ThreadLink(id, options, events, startWebWorker, "web-worker");
