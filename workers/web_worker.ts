/**
 * The Web Worker entry (Deno, Bun, browsers): the thread shell on the worker's global scope.
 *
 * @module
 */
import type { FromWorker, ToWorker } from "../src/transport/protocol.ts";
import { startThreadShell } from "./thread_shell.ts";

const scope = self as unknown as Worker;
startThreadShell({
  post: (message: FromWorker) => scope.postMessage(message),
  onMessage: (receive) => {
    scope.onmessage = (event: MessageEvent<ToWorker>) => receive(event.data);
  },
});
