// Worker file for workerpool: registers the shared tasks under the names pool.exec() uses.
//
// Bun workaround: workerpool's worker picks its transport by feature test, and a Bun
// node:worker_threads worker exposes the Web Worker globals (`self`, `postMessage`,
// `addEventListener`), so it takes the Web Worker path. But Bun delivers the parent's
// `worker.postMessage()` only to `parentPort`, never to the global `message` listener
// (oven-sh/bun#43459), so every task hangs. Hiding `self` before workerpool loads makes it take
// its node:worker_threads path (parentPort), the same path it takes on Node. Deno delivers to both.
import { noop, spin } from "../fixtures/bench_tasks.ts";

if ("Bun" in globalThis) globalThis.self = undefined;
const { default: workerpool } = await import("workerpool");

workerpool.worker({ noop, spin });
