/**
 * Node's worker threads (`node:worker_threads`) in the terms of the thread link: Node 20 and 22
 * have no global `Worker`, so the Node transport starts its threads here. The worker side gets
 * its port to the pool from `parentThreadPort`.
 *
 * @module
 */
import { parentPort, Worker } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../transport/protocol.ts";
import type { Thread, ThreadEvents } from "../transport/thread.ts";

/**
 * Starts a worker thread running the module at `entry` (a `file:` URL of JavaScript).
 *
 * @example
 * ```ts ignore
 * import { startNodeThread } from "./node_threads.ts";
 * const thread = startNodeThread(new URL("./worker.js", import.meta.url), "w1", events);
 * ```
 */
export function startNodeThread(entry: URL, name: string, events: ThreadEvents): Thread {
  const worker = new Worker(entry, { name });
  worker.on("message", (m: FromWorker) => events.message(m));
  // An uncaught error the worker could not report itself; Node ends the thread and then emits
  // "exit", which ends the link.
  worker.on("error", (e: Error) => events.error(`uncaught ${e.name}: ${e.message}`));
  worker.on("messageerror", () => events.error("a message from the worker could not be read"));
  // Node emits "exit" once the thread has stopped, after the messages it posted.
  worker.on("exit", (code: number) => events.exit(`the worker exited with code ${code}`));
  return {
    post: (message, transfer) =>
      worker.postMessage(message, transfer as unknown as readonly ArrayBuffer[]),
    terminate: () => void worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/** The worker side's port to the pool. */
export interface ParentThreadPort {
  post(message: FromWorker): void;
  onMessage(receive: (message: ToWorker) => void): void;
}

/**
 * The port to the pool inside a Node worker thread, or null on the main thread.
 *
 * @example
 * ```ts ignore
 * import { parentThreadPort } from "./node_threads.ts";
 * parentThreadPort()?.onMessage((m) => console.log(m.t));
 * ```
 */
export function parentThreadPort(): ParentThreadPort | null {
  const port = parentPort;
  if (port === null) return null;
  return {
    post: (message) => port.postMessage(message),
    onMessage: (receive) => port.on("message", receive),
  };
}
