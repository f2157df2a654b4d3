/**
 * The jobs ready to run, one queue per concurrency key, taken in turns by `nextTurn`. Within a
 * key, lower priority first, then submission order.
 *
 * @module
 */
import { nextTurn } from "./fairness.ts";
import { KeyQueue } from "./key_queue.ts";

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
  #byKey = new Map<string, KeyQueue<ReadyEntry>>();
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
      list = new KeyQueue();
      this.#byKey.set(entry.key, list);
      // A new key goes right after the key served last: it is due next, so a key that was idle
      // waits at most one job for its turn however long the other keys' queues are. Before any
      // turn was taken, keys simply line up in arrival order.
      if (this.#last < 0) this.#ring.push(entry.key);
      else this.#ring.splice(this.#last + 1, 0, entry.key);
    }
    list.insert(entry);
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
    const ring = this.#ring;
    const turnAt = (i: number) => {
      const key = ring[i];
      return { ready: this.#byKey.get(key)!.length, running: running(key), limited: key !== "" };
    };
    const open = may && ((i: number) => may(this.#byKey.get(ring[i])!.first()!));
    const i = nextTurn(ring.length, turnAt, this.#last, limit, open);
    if (i < 0) return undefined;
    const key = ring[i];
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
    if (!list || !list.removeWhere((e) => e.id === id)) return false;
    this.#size--;
    if (list.length === 0) this.#dropKey(this.#ring.indexOf(key));
    return true;
  }

  /** Empties the queue and returns what was in it. */
  clear(): ReadyEntry[] {
    const all = [...this.#byKey.values()].flatMap((list) => list.drain());
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
