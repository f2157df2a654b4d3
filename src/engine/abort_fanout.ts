/**
 * One abort listener per signal, however many tasks wait on it. A `map()` hands every task the
 * same signal, and callers share one signal over many `run()` calls: a listener per task put
 * dozens on one signal at once (Node warns past 10: `MaxListenersExceededWarning`) and made each
 * abort walk them all. Here the first task on a signal adds its listener, the others join a set,
 * and the last one to leave (its task settled) removes the listener, so nothing is left behind.
 *
 * @module
 */

interface Watch {
  readonly callbacks: Set<() => void>;
  readonly fire: () => void;
}

const watches = new WeakMap<AbortSignal, Watch>();

/**
 * Calls `callback` once when `signal` aborts, unless the returned function was called first.
 *
 * @example
 * ```ts
 * import { onAbort } from "./abort_fanout.ts";
 * const controller = new AbortController();
 * const stop = onAbort(controller.signal, () => console.log("aborted"));
 * onAbort(controller.signal, () => console.log("also aborted")); // no second listener
 * stop(); // the first callback will not run
 * controller.abort(); // logs "also aborted"
 * ```
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let watch = watches.get(signal);
  if (watch === undefined) {
    const callbacks = new Set<() => void>();
    const fire = () => {
      watches.delete(signal);
      // A callback may settle other tasks, which then leave: as with listeners, one removed
      // before its turn does not run.
      for (const f of [...callbacks]) if (callbacks.delete(f)) f();
    };
    watch = { callbacks, fire };
    watches.set(signal, watch);
    signal.addEventListener("abort", fire, { once: true });
  }
  // A wrapper per call: the same callback registered twice is two registrations.
  const entry = () => callback();
  const { callbacks, fire } = watch;
  callbacks.add(entry);
  return () => {
    if (!callbacks.delete(entry) || callbacks.size > 0) return;
    if (watches.get(signal)?.callbacks === callbacks) watches.delete(signal);
    signal.removeEventListener("abort", fire);
  };
}
