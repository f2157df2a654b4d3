/**
 * The Web Worker entry (Deno, Bun, browsers): the thread shell on the worker's global scope.
 *
 * @module
 */
import type { FromWorker, ToWorker } from "../src/transport/protocol.ts";
import { startThreadShell } from "./thread_shell.ts";

/** How long an idle worker of a page waits asleep for its next task (see below). */
const PAGE_IDLE_WAIT_MS = 5;

const scope = self as unknown as Worker;
// In a page (neither Deno nor Bun, which both have `process`), the caller hears a result and
// sends its next task a few hundred microseconds to milliseconds later, long after the 50 µs spin
// of an idle worker: wait for it asleep that long, so that the hand-off through shared memory
// engages for a page too. Deno and Bun answer within the spin and keep the worker's old doze.
const inPage = !("process" in globalThis) && !("Deno" in globalThis);
startThreadShell({
  post: (message: FromWorker) => scope.postMessage(message),
  onMessage: (receive) => {
    scope.onmessage = (event: MessageEvent<ToWorker>) => receive(event.data);
  },
  ...(inPage ? { idleWaitMs: PAGE_IDLE_WAIT_MS } : {}),
});
