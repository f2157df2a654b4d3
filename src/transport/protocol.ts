/**
 * The one module the pool side and the worker side share: message shapes and the layout of the
 * shared control buffer. Messages are arrays and small objects because structured clone of a flat
 * array is the cheapest shape on both Deno and Bun.
 *
 * @module
 */

/**
 * A batch of tasks, as columns: structured clone of a few flat arrays costs a third of the same
 * tasks as an array of small arrays (measured on Deno and Bun), and one name stands for the whole
 * batch when every task in it has the same name, which is the common case.
 */
export interface RunBatch {
  t: "run";
  ids: number[];
  slots: number[];
  names: string | string[];
  inputs: unknown[];
  /**
   * Present only when a task of the batch streams: its credit window (the chunks it may send
   * before the pool grants more, see `ToWorker`'s `credit`), 0 for a task that does not stream.
   */
  windows?: number[];
}

/**
 * Settled tasks, as columns. `failed` lists the indexes whose `values` entry is a
 * `SerializedError` (null when none failed); `busy` is the synchronous compute time of each call
 * and `run` its wall time inside the worker, in milliseconds.
 */
export interface DoneBatch {
  t: "done";
  ids: number[];
  failed: number[] | null;
  values: unknown[];
  busy: number[];
  run: number[];
}

/** Messages from the pool to a worker. */
export type ToWorker =
  | {
    t: "init";
    module: string;
    control: SharedArrayBuffer | null;
    mailbox: SharedArrayBuffer | null;
    concurrency: number;
  }
  | RunBatch
  | { t: "cancel"; id: number; reason: SerializedError }
  /** The caller of a streaming task read `n` more chunks: the worker may send `n` more. */
  | { t: "credit"; id: number; n: number }
  | { t: "concurrency"; value: number }
  | { t: "echo"; payload: unknown };

/** An error flattened for structured clone (custom classes and `cause` do not survive it). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
}

/** Messages from a worker to the pool. */
export type FromWorker =
  | { t: "ready" }
  | { t: "init-error"; error: SerializedError }
  | DoneBatch
  | { t: "progress"; id: number; value: unknown }
  /** One chunk a streaming task yielded, in order, always before its result. */
  | { t: "chunk"; id: number; value: unknown }
  | { t: "echo"; payload: unknown }
  | ExitNotice;

/**
 * What only a child process says and hears, on top of the messages above (see
 * `src/transport/process_link.ts`). With no shared memory across processes the pool learns which
 * tasks a child began from `started`, which the child writes, synchronously, before it calls the
 * task: frames keep their order, so once a dead child's stream is read to its end, a task with no
 * `started` note never ran there. `ping`/`pong` are the heartbeat, and
 * `yielded` says a task went async, handing the child's thread back; `rss` is the child's resident
 * memory in bytes, sent after each batch of results.
 */
export type ProcessToWorker = ToWorker | { t: "ping"; seq: number };

/** Frames from a child process (see `ProcessToWorker`). */
export type ProcessFromWorker =
  | FromWorker
  | { t: "started"; id: number }
  | { t: "yielded"; id: number }
  | { t: "pong"; seq: number }
  | { t: "rss"; bytes: number };

/**
 * A worker's last word as it ends (it called `process.exit()` or `self.close()`, or an uncaught
 * error is ending it). It is the last message the worker sends, so when it arrives every result
 * the worker sent before it has arrived too, and the worker starts no task after sending it.
 */
export interface ExitNotice {
  t: "exit";
  reason: string;
}

/**
 * Control buffer layout: one Int32 per task slot. The pool sets `CANCELLED` to ask a running task
 * to stop (read by `shouldStop()` without waiting for the event loop); the worker sets `STARTED`
 * when it begins a task, so after a crash the pool can tell tasks that never ran (safe to requeue)
 * from tasks that did (not safe: they may have had effects). When its worker dies the pool sets
 * `CLAIMED` on every task not yet started; both sides change the flags with compare-and-exchange
 * (`claimSlot`, `startSlot`), so a dying worker that is still running can never start a task the
 * pool has already taken back to run elsewhere.
 */
export const SLOT_FREE = 0;
/** The worker began running the task in this slot. */
export const SLOT_STARTED = 1;
/** Bit set by the pool: the task in this slot should stop. */
export const SLOT_CANCELLED = 2;

/** Bit set by the pool when its worker died: the task in this slot runs elsewhere, never here. */
export const SLOT_CLAIMED = 4;

/**
 * The pool's side of the end-of-worker race: takes back the task in `slot` unless the worker
 * already started it. Returns true when the task is the pool's again (it will never start in
 * this worker), false when the worker started it first.
 *
 * @example
 * ```ts
 * import { claimSlot, startSlot } from "./protocol.ts";
 * const control = new Int32Array(new SharedArrayBuffer(16));
 * console.log(claimSlot(control, 0), startSlot(control, 0)); // true -1
 * ```
 */
export function claimSlot(control: Int32Array, slot: number): boolean {
  for (;;) {
    const flags = Atomics.load(control, slot);
    if (flags & SLOT_STARTED) return false;
    if (Atomics.compareExchange(control, slot, flags, flags | SLOT_CLAIMED) === flags) return true;
    // The worker (or a cancel) changed the flags between our load and exchange: look again.
  }
}

/**
 * The worker's side of the end-of-worker race: marks the task in `slot` started unless the pool
 * claimed it back. Returns the flags from before (so the caller sees `SLOT_CANCELLED`), or -1 when
 * the pool claimed the task and it must not run here.
 *
 * @example
 * ```ts
 * import { SLOT_CANCELLED, startSlot } from "./protocol.ts";
 * const control = new Int32Array(new SharedArrayBuffer(16));
 * console.log(startSlot(control, 0) & SLOT_CANCELLED); // 0
 * ```
 */
export function startSlot(control: Int32Array, slot: number): number {
  for (;;) {
    const flags = Atomics.load(control, slot);
    if (flags & SLOT_CLAIMED) return -1;
    // The pool may set CANCELLED at the same moment from its thread: exchange, never store.
    if (Atomics.compareExchange(control, slot, flags, flags | SLOT_STARTED) === flags) return flags;
  }
}

/** Slots per worker: the most tasks one worker may hold (running plus prefetched). */
export const SLOTS_PER_WORKER = 4096;

/**
 * The control buffer's word after the slots: results the worker has posted, counted before each
 * post (wrapping as an Int32). The pool counts those it has read; while the two differ, results
 * are on their way, and ending the worker now would lose them (a terminated worker's messages
 * that were not yet read are dropped).
 */
export const RESULTS_POSTED = SLOTS_PER_WORKER;

/** Int32 words in a worker's control buffer: the slots and `RESULTS_POSTED`. */
export const CONTROL_WORDS = SLOTS_PER_WORKER + 1;

/**
 * Flattens any thrown value for `postMessage`.
 *
 * @example
 * ```ts
 * import { serializeError } from "./protocol.ts";
 * console.log(serializeError(new RangeError("x")).name); // "RangeError"
 * ```
 */
export function serializeError(error: unknown): SerializedError {
  if (
    error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
  ) {
    const e = error as Error & { code?: unknown };
    const out: SerializedError = { name: String(e.name ?? "Error"), message: String(e.message) };
    if (typeof e.stack === "string") out.stack = e.stack;
    if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
    return out;
  }
  return { name: "Error", message: String(error) };
}
