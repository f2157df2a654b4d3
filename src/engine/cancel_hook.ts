/**
 * A call's cancel without an `AbortSignal`, for the job layer: the runner cancels each job's
 * attempt on its own (a client's cancel, the job's timeout), so each attempt needs its own
 * cancel, and an `AbortController` with the task's abort listener added and removed cost the
 * server's thread about 4 µs a job on Deno (batched no-op jobs ran 1.06–1.24x as fast without it
 * on Deno, 1.23–1.50x on Bun), where the hook is an object and one closure. It is internal: the
 * key is a symbol, kept out of the documented options, and a pool says it honours it with the
 * same key (`Pool[CANCEL_HOOK]`), so a runner given another pool falls back to a signal.
 *
 * @module
 */
import type { RunOptions } from "./run_options.ts";

/** The key of a call's hook in its run options, and of a pool's promise to honour it. */
export const CANCEL_HOOK: unique symbol = Symbol.for("workloom.cancelHook");

/** Run options that may carry a {@linkcode CancelHook}. */
export type HookedOptions = RunOptions & { [CANCEL_HOOK]?: CancelHook };

/**
 * Cancels one call wherever it is, once: the pool attaches its cancel as it admits the call;
 * cancelled before that, the admission refuses the call with the hook's reason.
 *
 * @example
 * ```ts
 * import { CancelHook } from "./cancel_hook.ts";
 * const hook = new CancelHook();
 * hook.attach((error) => console.log("cancelled:", error.message));
 * hook.cancel(new Error("not needed")); // logs "cancelled: not needed"
 * hook.cancel(new Error("again")); // nothing: once
 * console.log(hook.reason?.message); // "not needed"
 * ```
 */
export class CancelHook {
  #reason: Error | undefined;
  // The pool's listener; a second (the inline runner's) is rare: no array per call for it.
  #first: ((error: Error) => void) | undefined;
  #more: ((error: Error) => void)[] | undefined;

  /** The error it was cancelled with; undefined until then. */
  get reason(): Error | undefined {
    return this.#reason;
  }

  /** Calls `listener` with the reason when the call is cancelled (the pool's side). */
  attach(listener: (error: Error) => void): void {
    if (this.#first === undefined) this.#first = listener;
    else (this.#more ??= []).push(listener);
  }

  /** Cancels the call with `error`; a second cancel does nothing. */
  cancel(error: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = error;
    const first = this.#first;
    const more = this.#more;
    this.#first = this.#more = undefined;
    first?.(error);
    more?.forEach((listener) => listener(error));
  }
}
