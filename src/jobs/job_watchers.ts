/**
 * Who watches which job: the listeners of waiters (long-polls) and event streams, by job id. Both
 * job stores (in memory, and the Redis one of each node) keep them here and tell them of changes.
 *
 * @module
 */
import type { JobChange } from "./job.ts";

type Listener = (change: JobChange) => void;

/**
 * Listeners by job id.
 *
 * @example
 * ```ts
 * import { JobWatchers } from "./job_watchers.ts";
 * const watchers = new JobWatchers();
 * const stop = watchers.watch("j1", (c) => console.log(c.rev));
 * console.log(watchers.count, watchers.has("j1")); // 1 true
 * stop();
 * ```
 */
export class JobWatchers {
  // One listener as itself (the common case: one waiter or one stream), more in a Set.
  #listeners = new Map<string, Listener | Set<Listener>>();
  #count = 0;

  /** Calls `listener` on every change of job `id`; returns a function that stops it. */
  watch(id: string, listener: Listener): () => void {
    const held = this.#listeners.get(id);
    if (held === undefined) this.#listeners.set(id, listener);
    else if (typeof held === "function") this.#listeners.set(id, new Set([held, listener]));
    else held.add(listener);
    this.#count++;
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.#count--;
      const now = this.#listeners.get(id);
      if (now === listener) this.#listeners.delete(id);
      else if (typeof now === "object") {
        now.delete(listener);
        if (now.size === 0) this.#listeners.delete(id);
      }
    };
  }

  /** Listeners watching any job now. */
  get count(): number {
    return this.#count;
  }

  /** Whether anyone watches job `id` (so that its change is worth building). */
  has(id: string): boolean {
    return this.#listeners.has(id);
  }

  /** Tells the watchers of job `id` about `change` (a listener may stop watching meanwhile). */
  notify(id: string, change: JobChange): void {
    const held = this.#listeners.get(id);
    if (typeof held === "function") held(change);
    else if (held) { for (const listener of [...held]) listener(change); }
  }
}
