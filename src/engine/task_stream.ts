/**
 * The caller's side of a streaming task (`pool.stream()`): an async iterable of the chunks its
 * generator yields, in order, and its return value as `result`. Backpressure is credit: the worker
 * may send `window` chunks the caller has not read, and each chunk read here gives one back (in
 * batches of half a window, one message each), so a caller that stops reading stops the
 * generator in its worker and nothing piles up in between. Leaving the loop early (`break`,
 * `return`, a throw in its body) cancels the task: its `ctx.signal` aborts in the worker.
 *
 * @module
 */
import { RUN_OPTION_NAMES, type RunOptions } from "./run_options.ts";
import type { ChunkSink, Task } from "./task.ts";
import { assertInteger, assertKnownOptions, assertOptionsObject } from "../validate.ts";

/** Chunks a worker may send that its caller has not read, unless `window` says otherwise. */
export const DEFAULT_STREAM_WINDOW = 16;
/** The largest `window` a stream may ask for. */
export const MAX_STREAM_WINDOW = 4096;

/** Options of one `stream()` call: `run()`'s, but `retries`, and the credit `window`. */
export interface StreamOptions extends Omit<RunOptions, "retries"> {
  /**
   * Chunks the worker may yield that the caller has not read yet: when the caller stops reading,
   * the generator pauses after this many. @default {16}
   */
  window?: number;
}

/** The option names `stream()` knows, for the unknown-option check. */
export const STREAM_OPTION_NAMES: readonly string[] = Object.freeze([
  ...RUN_OPTION_NAMES.filter((n) => n !== "retries"),
  "window",
]);

/**
 * Validates `stream()`'s own options and returns the window and the options `run()` checks.
 * Throws a `RangeError` naming `window` or `retries` (a stream's caller has seen chunks, so it is
 * never run again after a crash), or a `TypeError` naming an unknown option.
 *
 * @example
 * ```ts
 * import { checkStreamOptions } from "./task_stream.ts";
 * console.log(checkStreamOptions("tokens", { window: 4 }).window); // 4
 * ```
 */
export function checkStreamOptions(
  name: string,
  options: StreamOptions,
): { window: number; run: RunOptions } {
  const action = `stream task '${name}'`;
  assertOptionsObject(action, "options", options);
  if ("retries" in options) {
    throw new RangeError(
      `Cannot ${action} as 'retries' is not an option of stream() (its caller has seen chunks, ` +
        `so it never runs twice): current value is ${String(options.retries)}`,
    );
  }
  assertKnownOptions(action, options, STREAM_OPTION_NAMES);
  const { window = DEFAULT_STREAM_WINDOW, ...run } = options;
  assertInteger(action, "window", window, { min: 1, max: MAX_STREAM_WINDOW });
  return { window, run };
}

/**
 * The chunks of one streaming task, and its return value.
 *
 * @example
 * ```ts ignore
 * const tokens = pool.stream("tokens", { prompt: "Hi" });
 * for await (const token of tokens) console.log(token);
 * console.log(await tokens.result); // the generator's return value
 * ```
 */
export class TaskStream<C = unknown, R = unknown>
  implements AsyncIterableIterator<C, R | undefined>, ChunkSink {
  /**
   * The task's return value: resolves after the last chunk, or rejects as `run()` would (a throw
   * mid-stream with `TaskError`, a crash, a timeout, and `AbortError` after leaving the loop early).
   */
  readonly result: Promise<R>;
  /** Chunks the worker may send ahead of the reader. */
  readonly window: number;
  /** What the task is cancelled by: the caller's signal, or leaving the loop early. */
  readonly signal: AbortSignal;
  #buffer: C[] = [];
  #head = 0;
  #readers: (() => void)[] = [];
  #task: Task | undefined;
  /** Chunks read since credit was last given back. */
  #read = 0;
  #ended = false;
  #failed = false;
  #error: unknown;
  #value: R | undefined;
  /** True once the iterator returned done (or threw its error): it yields nothing more. */
  #finished = false;
  readonly #controller = new AbortController();
  #unwatch: (() => void) | undefined;

  /**
   * @param start admits the task with this stream as its sink and `signal` as its signal, and
   * returns its promise.
   */
  constructor(
    window: number,
    callerSignal: AbortSignal | undefined,
    start: (stream: TaskStream<C, R>) => Promise<unknown>,
  ) {
    this.window = window;
    this.signal = this.#controller.signal;
    if (callerSignal?.aborted) this.#controller.abort(callerSignal.reason);
    else if (callerSignal) {
      const forward = () => this.#controller.abort(callerSignal.reason);
      callerSignal.addEventListener("abort", forward, { once: true });
      this.#unwatch = () => callerSignal.removeEventListener("abort", forward);
    }
    const promise = start(this) as Promise<R>;
    this.result = promise;
    // Handled here, so a caller that only iterates has no unhandled rejection: the error reaches
    // it through the loop.
    promise.then((v) => this.#end(false, v), (e) => this.#end(true, e));
  }

  /** A chunk from the worker (the task calls this; see `ChunkSink`). */
  push(value: unknown, task: Task): void {
    this.#task = task;
    if (this.#finished) return; // the caller left: the cancel is on its way
    this.#buffer.push(value as C);
    this.#wake();
  }

  /** Chunks received and not read yet (at most `window`). */
  get buffered(): number {
    return this.#buffer.length - this.#head;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next chunk, in order; done with the return value; or the task's error, once. */
  async next(): Promise<IteratorResult<C, R | undefined>> {
    for (;;) {
      if (this.#finished) return { done: true, value: undefined };
      if (this.#head < this.#buffer.length) return { done: false, value: this.#take() };
      if (this.#ended) {
        this.#finished = true;
        if (this.#failed) throw this.#error;
        return { done: true, value: this.#value };
      }
      await new Promise<void>((resolve) => this.#readers.push(resolve));
    }
  }

  /** Leaves the stream early (what `break` calls): the task is cancelled unless it ended. */
  return(value?: R): Promise<IteratorResult<C, R | undefined>> {
    this.#finish();
    return Promise.resolve({ done: true, value });
  }

  /** As `return()`: the task is cancelled, and the error is not thrown into it. */
  throw(_error?: unknown): Promise<IteratorResult<C, R | undefined>> {
    this.#finish();
    return Promise.resolve({ done: true, value: undefined });
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#buffer = [];
    this.#head = 0;
    if (!this.#ended) {
      this.#controller.abort(
        new DOMException("The caller stopped reading the stream", "AbortError"),
      );
    }
    this.#wake();
  }

  #take(): C {
    const value = this.#buffer[this.#head];
    this.#buffer[this.#head++] = undefined as C;
    if (this.#head === this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    }
    // Give credit back in batches of half a window: one message per batch, never a stall.
    if (++this.#read >= Math.ceil(this.window / 2)) {
      const task = this.#task;
      if (task !== undefined && !task.settled) task.worker?.credit(task, this.#read);
      this.#read = 0;
    }
    return value;
  }

  #end(failed: boolean, value: unknown): void {
    this.#ended = true;
    this.#unwatch?.();
    if (failed) {
      this.#failed = true;
      this.#error = value;
    } else this.#value = value as R;
    this.#wake();
  }

  #wake(): void {
    const readers = this.#readers;
    this.#readers = [];
    for (const r of readers) r();
  }
}
