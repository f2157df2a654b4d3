/**
 * A worker thread as the thread link (`thread_link.ts`) needs it, whatever the runtime calls it:
 * a Web Worker or a Node `worker_threads` Worker. A `StartThread` function starts one running the
 * worker entry and reports its events in these terms.
 *
 * @module
 */
import type { FromWorker, ToWorker } from "./protocol.ts";

/** A running worker thread. */
export interface Thread {
  /** Posts a message (throws when it cannot be cloned). */
  post(message: ToWorker, transfer: Transferable[]): void;
  /** Ends the thread now. */
  terminate(): void;
  /** Lets the thread keep the process alive (a no-op where the runtime cannot say). */
  ref(): void;
  /** Lets the process exit while the thread lives (a no-op where the runtime cannot say). */
  unref(): void;
}

/** What a thread reports, in order. */
export interface ThreadEvents {
  /** A message from the worker. */
  message(message: FromWorker): void;
  /** An error the worker did not catch: a sign of death that may overtake its messages. */
  error(reason: string): void;
  /** The thread ended, after every message it sent. */
  exit(reason: string): void;
}

/**
 * Starts a worker thread named `name` running the worker entry.
 *
 * @example
 * ```ts ignore
 * const start: StartThread = (name, events) => startMyThread(name, events);
 * ```
 */
export type StartThread = (name: string, events: ThreadEvents) => Thread;
