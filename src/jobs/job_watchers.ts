/**
 * Who watches which job: the listeners of waiters (long-polls) and event streams, by job id. Both
 * job stores (in memory, and the Redis one of each node) keep them here and tell them of changes.
 *
 * @module
 */
import type { JobChange } from "./job.ts";

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
  #listeners = new Map<string, Set<(change: JobChange) => void>>();

  /** Calls `listener` on every change of job `id`; returns a function that stops it. */
  watch(id: string, listener: (change: JobChange) => void): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  /** Listeners watching any job now. */
  get count(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Whether anyone watches job `id` (so that its change is worth building). */
  has(id: string): boolean {
    return this.#listeners.has(id);
  }

  /** Tells the watchers of job `id` about `change` (a listener may stop watching meanwhile). */
  notify(id: string, change: JobChange): void {
    const set = this.#listeners.get(id);
    if (set) { for (const listener of [...set]) listener(change); }
  }
}
