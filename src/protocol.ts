/**
 * The one module the pool side and the worker side share: message shapes and the layout of the
 * shared control buffer. Messages are arrays and small objects because structured clone of a flat
 * array is the cheapest shape on both Deno and Bun.
 *
 * @module
 */

/** A task as sent to a worker: `[id, name, input, slot]`. */
export type TaskMessage = [id: number, name: string, input: unknown, slot: number];

/** Messages from the pool to a worker. */
export type ToWorker =
  | { t: "init"; module: string; control: SharedArrayBuffer | null; concurrency: number }
  | { t: "run"; tasks: TaskMessage[] }
  | { t: "cancel"; id: number; reason: SerializedError }
  | { t: "concurrency"; value: number }
  | { t: "echo"; payload: unknown }
  | { t: "close" };

/** An error flattened for structured clone (custom classes and `cause` do not survive it). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
}

/**
 * A settled task: `[id, ok, valueOrError, busyMs, runMs]`. `busyMs` is the synchronous compute time
 * of the call; `runMs` its wall time inside the worker.
 */
export type ResultMessage = [
  id: number,
  ok: 0 | 1,
  value: unknown,
  busyMs: number,
  runMs: number,
];

/** Messages from a worker to the pool. */
export type FromWorker =
  | { t: "ready" }
  | { t: "init-error"; error: SerializedError }
  | { t: "done"; results: ResultMessage[] }
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
  if (error instanceof Error || (typeof error === "object" && error !== null && "message" in error)) {
    const e = error as Error & { code?: unknown };
    const out: SerializedError = { name: String(e.name ?? "Error"), message: String(e.message) };
    if (typeof e.stack === "string") out.stack = e.stack;
    if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
    return out;
  }
  return { name: "Error", message: String(error) };
}
