/**
 * Whether a timer keeps the process alive, set the way each runtime spells it: Deno's timers are
 * numbers with `Deno.refTimer`/`Deno.unrefTimer`; Bun's and Node's are objects with
 * `ref()`/`unref()`; a browser's cannot be unref'd (nothing to keep alive).
 *
 * @module
 */

/**
 * Refs (`on`) or unrefs a timer from `setTimeout`/`setInterval`.
 *
 * @example
 * ```ts
 * import { refTimer } from "./timer_ref.ts";
 * const t = setTimeout(() => {}, 1000);
 * refTimer(t, false); // the process may exit before it fires
 * clearTimeout(t);
 * ```
 */
export function refTimer(timer: ReturnType<typeof setTimeout> | undefined, on: boolean): void {
  if (typeof timer === "number") {
    const deno = (globalThis as unknown as {
      Deno?: { refTimer(id: number): void; unrefTimer(id: number): void };
    }).Deno;
    if (on) deno?.refTimer(timer);
    else deno?.unrefTimer(timer);
  } else if (timer !== undefined) {
    const t = timer as { ref?: () => void; unref?: () => void };
    if (on) t.ref?.();
    else t.unref?.();
  }
}
