/**
 * What a task function receives as its second argument: a cancellation signal, a cheap
 * `shouldStop()` for tight loops, and `progress()`.
 *
 * @module
 */
import { SLOT_CANCELLED } from "../src/transport/protocol.ts";

/**
 * The worker-side context of one task.
 *
 * @example
 * ```ts
 * import type { TaskContext } from "./task_context.ts";
 * export function sum(n: number, ctx: TaskContext): number {
 *   let s = 0;
 *   for (let i = 0; i < n; i++) {
 *     if ((i & 0xffff) === 0 && ctx.shouldStop()) throw ctx.signal.reason;
 *     s += i;
 *   }
 *   return s;
 * }
 * ```
 */
export interface TaskContext {
  /** Aborted when the caller cancels the task or it times out. */
  readonly signal: AbortSignal;
  /**
   * True once the task should stop. Backed by shared memory where available, so it turns true
   * even while a synchronous loop never yields to the event loop. Cheap enough to call often.
   */
  shouldStop(): boolean;
  /** Sends a progress value to the caller's `onProgress`, in order, never after the result. */
  progress(value: unknown): void;
}

/**
 * The context inside a worker. The `AbortController` is made only when a task reads `signal`,
 * because most tasks never do and dispatch cost matters for tiny tasks.
 */
export class WorkerTaskContext implements TaskContext {
  #controller: AbortController | undefined;
  #pendingReason: unknown;
  #cancelled = false;
  /** Set by the worker entry once the task settled: later progress is dropped. */
  done = false;

  constructor(
    readonly id: number,
    readonly slot: number,
    readonly control: Int32Array | null,
    readonly post: (id: number, value: unknown) => void,
  ) {}

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#cancelled && !this.#controller.signal.aborted) {
      this.#controller.abort(this.#pendingReason);
    }
    return this.#controller.signal;
  }

  shouldStop(): boolean {
    // Atomics.load, not a plain read: the pool writes this slot from another thread.
    return this.#cancelled ||
      (this.control !== null && (Atomics.load(this.control, this.slot) & SLOT_CANCELLED) !== 0);
  }

  /** Called when the pool's cancel message arrives. */
  cancel(reason: unknown): void {
    this.#cancelled = true;
    this.#pendingReason = reason;
    this.#controller?.abort(reason);
  }

  progress(value: unknown): void {
    if (!this.done) this.post(this.id, value);
  }
}

/**
 * The context for inline mode: the caller's signal is the task's signal.
 *
 * @example
 * ```ts
 * import { InlineTaskContext } from "./task_context.ts";
 * const ctx = new InlineTaskContext(new AbortController().signal, () => {});
 * console.log(ctx.shouldStop()); // false
 * ```
 */
export class InlineTaskContext implements TaskContext {
  done = false;
  constructor(readonly signal: AbortSignal, readonly onProgress: (value: unknown) => void) {}
  shouldStop(): boolean {
    return this.signal.aborted;
  }
  progress(value: unknown): void {
    if (!this.done) this.onProgress(value);
  }
}
