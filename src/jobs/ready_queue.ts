/**
 * The jobs ready to run, one queue per concurrency key, taken in turns by `nextTurn`. Within a
 * key, lower priority first, then submission order.
 *
 * @module
 */
import { type KeyTurn, nextTurn } from "./fairness.ts";

/** One ready job as the queue orders it. */
export interface ReadyEntry {
  id: string;
  /** `""` for jobs without a concurrency key. */
  key: string;
  priority: number;
  /** Submission order, the tie-breaker within a priority. */
  seq: number;
}

/**
 * Per-key priority queues with round-robin between keys.
 *
 * @example
 * ```ts
 * import { ReadyQueue } from "./ready_queue.ts";
 * const q = new ReadyQueue();
 * q.push({ id: "a1", key: "a", priority: 0, seq: 1 });
 * q.push({ id: "a2", key: "a", priority: 0, seq: 2 });
 * const none = () => 0;
 * const first = q.take(none, 4)?.id;
 * q.push({ id: "b1", key: "b", priority: 0, seq: 3 });
 * console.log(first, q.take(none, 4)?.id, q.take(none, 4)?.id); // a1 b1 a2
 * ```
 */
export class ReadyQueue {
  // Keys in rotation order; a key leaves the ring when its queue empties.
  #ring: string[] = [];
  #byKey = new Map<string, ReadyEntry[]>();
  #last = -1;
  #size = 0;

  /** Ready jobs in all keys. */
  get size(): number {
    return this.#size;
  }

  /** Adds a job in priority order within its key. */
  push(entry: ReadyEntry): void {
    let list = this.#byKey.get(entry.key);
    if (!list) {
      list = [];
      this.#byKey.set(entry.key, list);
      // A new key goes right after the key served last: it is due next, so a key that was idle
      // waits at most one job for its turn however long the other keys' queues are. Before any
      // turn was taken, keys simply line up in arrival order.
      if (this.#last < 0) this.#ring.push(entry.key);
      else this.#ring.splice(this.#last + 1, 0, entry.key);
    }
    // Binary search for the first entry that should come after this one.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = list[mid];
      if (m.priority < entry.priority || (m.priority === entry.priority && m.seq < entry.seq)) {
        lo = mid + 1;
      } else hi = mid;
    }
    list.splice(lo, 0, entry);
    this.#size++;
  }

  /**
   * Takes the next job by turns between keys, skipping keys that already run `limit` jobs
   * (`running(key)`) and keys whose next job `may` not start now (a rate limit); `undefined`
   * when nothing may start now.
   */
  take(
    running: (key: string) => number,
    limit: number,
    may?: (entry: ReadyEntry) => boolean,
  ): ReadyEntry | undefined {
    const turns: KeyTurn[] = this.#ring.map((key) => ({
      ready: this.#byKey.get(key)!.length,
      running: running(key),
      limited: key !== "",
    }));
    const open = may && ((i: number) => may(this.#byKey.get(this.#ring[i])![0]));
    const i = nextTurn(turns, this.#last, limit, open);
    if (i < 0) return undefined;
    const key = this.#ring[i];
    const list = this.#byKey.get(key)!;
    const entry = list.shift()!;
    this.#size--;
    this.#last = i;
    if (list.length === 0) this.#dropKey(i);
    return entry;
  }

  /** Ready jobs of `key`. */
  sizeOf(key: string): number {
    return this.#byKey.get(key)?.length ?? 0;
  }

  /** Removes a job (cancelled while ready); false when it is not here. */
  remove(id: string, key: string): boolean {
    const list = this.#byKey.get(key);
    const at = list ? list.findIndex((e) => e.id === id) : -1;
    if (!list || at < 0) return false;
    list.splice(at, 1);
    this.#size--;
    if (list.length === 0) this.#dropKey(this.#ring.indexOf(key));
    return true;
  }

  /** Empties the queue and returns what was in it. */
  clear(): ReadyEntry[] {
    const all = [...this.#byKey.values()].flat();
    this.#byKey.clear();
    this.#ring = [];
    this.#last = -1;
    this.#size = 0;
    return all;
  }

  #dropKey(index: number): void {
    this.#byKey.delete(this.#ring[index]);
    this.#ring.splice(index, 1);
    // Keep `#last` pointing at the key before the next one due, so the rotation continues.
    if (index <= this.#last) this.#last--;
  }
}
