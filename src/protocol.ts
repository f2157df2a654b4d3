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
  | { t: "echo"; payload: unknown }
  | { t: "exit"; reason: string };

/**
 * Control buffer layout: one Int32 per task slot. The pool sets `CANCELLED` to ask a running task
 * to stop (read by `shouldStop()` without waiting for the event loop); the worker sets `STARTED`
 * when it begins a task, so after a crash the pool can tell tasks that never ran (safe to requeue)
 * from tasks that did (not safe: they may have had effects).
 */
export const SLOT_FREE = 0;
/** The worker began running the task in this slot. */
export const SLOT_STARTED = 1;
/** Bit set by the pool: the task in this slot should stop. */
export const SLOT_CANCELLED = 2;

/** Slots per worker: the most tasks one worker may hold (running plus prefetched). */
export const SLOTS_PER_WORKER = 4096;

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
