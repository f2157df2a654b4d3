/**
 * A pool's life: open, closing (draining, perhaps against a deadline), closed; and the promises
 * of everyone waiting for the end.
 *
 * @module
 */
import {
  assertInteger,
  assertKnownOptions,
  assertOptionsObject,
  assertTimerMs,
} from "../validate.ts";

/** Options of `close()`. */
export interface CloseOptions {
  /** Stop waiting for the drain after this long and cancel the rest. @default {no deadline} */
  timeoutMs?: number;
}

/**
 * Validates the options of `close()`, naming a bad one, and returns them.
 *
 * @example
 * ```ts
 * import { checkCloseOptions } from "./closing.ts";
 * console.log(checkCloseOptions({ timeoutMs: 100 }).timeoutMs); // 100
 * ```
 */
export function checkCloseOptions(options: CloseOptions): CloseOptions {
  assertOptionsObject("close pool", "options", options);
  assertKnownOptions("close pool", options, ["timeoutMs"]);
  const { timeoutMs } = options;
  if (timeoutMs !== undefined) {
    assertInteger("close pool", "timeoutMs", timeoutMs, { min: 0 });
    assertTimerMs("close pool", "timeoutMs", timeoutMs);
  }
  return options;
}

/** Where a pool is in its life. */
export type PoolState = "open" | "closing" | "closed";

/**
 * The close state machine.
 *
 * @example
 * ```ts
 * import { Closing } from "./closing.ts";
 * const closing = new Closing();
 * const done = closing.wait();
 * closing.begin(undefined, () => {});
 * console.log(closing.state); // "closing"
 * closing.finish();
 * await done;
 * ```
 */
export class Closing {
  state: PoolState = "open";
  #waiters: (() => void)[] = [];
  #deadline: ReturnType<typeof setTimeout> | undefined;

  /** Resolves once the pool is closed (at once if it is). */
  wait(): Promise<void> {
    if (this.state === "closed") return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Moves an open pool to closing; with `timeoutMs`, calls `onDeadline` if it is still closing
   * then. Returns false if the pool was not open.
   */
  begin(timeoutMs: number | undefined, onDeadline: (timeoutMs: number) => void): boolean {
    if (this.state !== "open") return false;
    this.state = "closing";
    if (timeoutMs !== undefined) {
      this.#deadline = setTimeout(() => onDeadline(timeoutMs), timeoutMs);
    }
    return true;
  }

  /** The pool is closed: clears the deadline and resolves every waiter. */
  finish(): void {
    this.state = "closed";
    clearTimeout(this.#deadline);
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
