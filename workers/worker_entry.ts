/**
 * The worker side of the pool. It imports the task module named in the `init` message, runs the
 * tasks it is sent (up to `concurrency` async tasks at once; the rest wait here, prefetched), and
 * sends results back in batches: one message per batch of work rather than one per task, because
 * a message costs far more than a tiny task.
 *
 * @module
 */
import { hookWorkerExit } from "../src/adapter/worker_exit_hooks.ts";
import {
  type FromWorker,
  type ResultMessage,
  serializeError,
  SLOT_CANCELLED,
  SLOT_STARTED,
  type TaskMessage,
  type ToWorker,
} from "../src/protocol.ts";
import { WorkerTaskContext } from "../src/task_context.ts";

type TaskFn = (input: unknown, ctx: WorkerTaskContext) => unknown;

// After this long without sending, results go out even in the middle of a batch, so that one
// slow task does not hold back the results of the quick ones before it.
const FLUSH_AFTER_MS = 1;

const post = (message: FromWorker) => (self as unknown as Worker).postMessage(message);

let tasks: Record<string, unknown> | null = null;
let moduleUrl = "";
let control: Int32Array | null = null;
let concurrency = 1;
let running = 0;
const waiting: TaskMessage[] = [];
let waitingHead = 0;
const active = new Map<number, WorkerTaskContext>();
let results: ResultMessage[] = [];
let lastFlush = 0;
let flushQueued = false;

function postProgress(id: number, value: unknown): void {
  try {
    post({ t: "progress", id, value });
  } catch (e) {
    throw new TypeError(`Cannot send progress: ${serializeError(e).message}`);
  }
}

function flush(): void {
  flushQueued = false;
  if (results.length === 0) return;
  const batch = results;
  results = [];
  lastFlush = performance.now();
  try {
    post({ t: "done", results: batch });
  } catch {
    // One result could not be cloned: send them one by one and turn the bad ones into errors.
    for (const r of batch) {
      try {
        post({ t: "done", results: [r] });
      } catch (e) {
        const error = serializeError(e);
        error.message = `Cannot send the result of the task back to the pool: ${error.message}`;
        post({ t: "done", results: [[r[0], 0, error, r[3], r[4]]] });
      }
    }
  }
}

function settle(result: ResultMessage): void {
  results.push(result);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

function noSuchTask(name: string): ResultMessage[2] {
  const names = Object.keys(tasks ?? {}).filter((k) => typeof tasks![k] === "function");
  return serializeError(
    new TypeError(
      `Cannot run task '${name}' as the task module ${moduleUrl} exports no function of that name ` +
        `(it exports: ${names.join(", ") || "nothing"})`,
    ),
  );
}

function start(message: TaskMessage): void {
  const [id, name, input, slot] = message;
  if (control !== null) {
    // Atomics.or, not a store: the pool may set CANCELLED at the same moment from its thread.
    const before = Atomics.or(control, slot, SLOT_STARTED);
    if (before & SLOT_CANCELLED) {
      settle([id, 0, { name: "AbortError", message: "cancelled before it started" }, 0, 0]);
      return;
    }
  }
  const fn = tasks![name];
  if (typeof fn !== "function") {
    settle([id, 0, noSuchTask(name), 0, 0]);
    return;
  }
  const ctx = new WorkerTaskContext(id, slot, control, postProgress);
  const t0 = performance.now();
  let value: unknown;
  try {
    value = (fn as TaskFn)(input, ctx);
  } catch (e) {
    ctx.done = true;
    const t = performance.now() - t0;
    settle([id, 0, serializeError(e), t, t]);
    return;
  }
  const busy = performance.now() - t0;
  if (value !== null && typeof (value as PromiseLike<unknown>)?.then === "function") {
    running++;
    active.set(id, ctx);
    const done = (ok: 0 | 1, v: unknown) => {
      running--;
      active.delete(id);
      ctx.done = true;
      settle([id, ok, ok ? v : serializeError(v), busy, performance.now() - t0]);
      pump();
    };
    (value as PromiseLike<unknown>).then((v) => done(1, v), (e) => done(0, e));
  } else {
    ctx.done = true;
    settle([id, 1, value, busy, busy]);
  }
}

function pump(): void {
  if (tasks === null) return;
  while (waitingHead < waiting.length && running < concurrency) {
    const message = waiting[waitingHead];
    waiting[waitingHead++] = undefined as unknown as TaskMessage;
    start(message);
    if (performance.now() - lastFlush > FLUSH_AFTER_MS) flush();
  }
  if (waitingHead === waiting.length) {
    waiting.length = 0;
    waitingHead = 0;
  }
}

async function init(url: string, buffer: SharedArrayBuffer | null): Promise<void> {
  moduleUrl = url;
  control = buffer ? new Int32Array(buffer) : null;
  try {
    tasks = await import(url);
  } catch (e) {
    post({ t: "init-error", error: serializeError(e) });
    return;
  }
  post({ t: "ready" });
  pump();
}

hookWorkerExit((reason) => post({ t: "exit", reason }));

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  switch (m.t) {
    case "run":
      for (const task of m.tasks) waiting.push(task);
      pump();
      flush();
      break;
    case "cancel": {
      const error = Object.assign(new Error(m.reason.message), { name: m.reason.name });
      active.get(m.id)?.cancel(error);
      break;
    }
    case "concurrency":
      concurrency = m.value;
      pump();
      break;
    case "echo":
      post({ t: "echo", payload: m.payload });
      break;
    case "init":
      concurrency = m.concurrency;
      init(m.module, m.control);
      break;
  }
};
