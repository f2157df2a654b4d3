/**
 * The worker side of a streaming task: it pulls the chunks of the generator a task returned and
 * sends each to the pool, at most as many as the pool has granted credit for. The pool grants
 * credit as its caller reads chunks, so a caller that stops reading stops the generator here, in
 * the worker, after at most `window` chunks: nothing piles up on either side. A cancel (the caller
 * broke out of its loop, a timeout, a signal) ends the wait for credit, and the generator's
 * `return()` runs its `finally` blocks.
 *
 * @module
 */

/** A generator, sync or async, as a task returns it. */
type AnyIterator = Iterator<unknown, unknown> | AsyncIterator<unknown, unknown>;

/**
 * True when `value` is what a generator function returns (an iterator with `next`), so that the
 * task streams. Arrays and other iterables that are not iterators are plain results.
 *
 * @example
 * ```ts
 * import { isStreamable } from "./stream_driver.ts";
 * function* g() { yield 1; }
 * console.log(isStreamable(g()), isStreamable([1])); // true false
 * ```
 */
export function isStreamable(value: unknown): value is AnyIterator {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<PropertyKey, unknown>;
  return typeof v.next === "function" &&
    (typeof v[Symbol.asyncIterator] === "function" || typeof v[Symbol.iterator] === "function");
}

/**
 * The credit of one streaming task: how many chunks it may still send, and a way to wait for more.
 *
 * @example
 * ```ts
 * import { StreamCredit } from "./stream_driver.ts";
 * const credit = new StreamCredit(2);
 * credit.take();
 * console.log(credit.available); // 1
 * ```
 */
export class StreamCredit {
  #available: number;
  #wake: (() => void) | undefined;

  constructor(window: number) {
    this.#available = window;
  }

  /** Chunks it may send now. */
  get available(): number {
    return this.#available;
  }

  /** One chunk was sent. */
  take(): void {
    this.#available--;
  }

  /** The pool granted `n` more (its caller read `n` chunks). */
  grant(n: number): void {
    this.#available += n;
    this.wake();
  }

  /** Ends a wait (credit came, or the task was cancelled). */
  wake(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves at the next `grant()` or `wake()`. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.#wake = resolve);
  }
}

/** What the driver needs of the task's context. */
export interface StreamContext {
  /**
   * Aborted by the pool's cancel message, with why (the error the task fails with). The driver
   * watches it rather than the shared cancel flag, which is set before the message arrives: the
   * generator's `finally` must see its signal aborted.
   */
  readonly signal: AbortSignal;
}

/**
 * Sends the chunks of `iterator` through `send`, within `credit`, and resolves with the
 * generator's return value. Rejects with what the generator threw, or with the cancel reason
 * once the task is cancelled (after the generator's `return()` ran).
 *
 * @example
 * ```ts ignore
 * const credit = new StreamCredit(16);
 * const result = await driveStream(gen, ctx, credit, (value) => post({ t: "chunk", id, value }));
 * ```
 */
export async function driveStream(
  iterator: AnyIterator,
  ctx: StreamContext,
  credit: StreamCredit,
  send: (value: unknown) => void,
): Promise<unknown> {
  const signal = ctx.signal;
  for (;;) {
    // The producer pauses here: no credit, no next chunk.
    while (credit.available <= 0 && !signal.aborted) await credit.wait();
    if (signal.aborted) {
      await iterator.return?.();
      throw signal.reason;
    }
    const step = await iterator.next();
    if (step.done) return step.value;
    // Cancelled while the generator made this chunk: nobody reads it.
    if (signal.aborted) continue;
    try {
      send(step.value);
    } catch (e) {
      // A chunk that cannot be sent ends the stream, and the generator's finally blocks run.
      await iterator.return?.();
      throw new TypeError(`Cannot send a chunk of the task back to the pool: ${String(e)}`);
    }
    credit.take();
  }
}
