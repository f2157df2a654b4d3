/**
 * The Node worker-thread entry: the thread shell on `worker_threads`' parent port. Built to
 * `dist/workers/node_worker.js`; Node cannot load it as `.ts`.
 *
 * @module
 */
import { parentThreadPort } from "../src/adapter/node_threads.ts";
import { startThreadShell } from "./thread_shell.ts";

const port = parentThreadPort();
if (port === null) throw new Error("workers/node_worker.ts runs only as a Node worker thread");
startThreadShell(port);
