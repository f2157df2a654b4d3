/**
 * The pool's priority queue: lower priority numbers run first, FIFO within a priority. Most pools
 * use one or two priorities, so a bucket per priority (a FIFO with a moving head) plus a sorted
 * list of priorities makes push and shift O(1) in the common case, where a binary heap would pay
 * O(log n) and lose FIFO order without a sequence number.
 *
 * @module
 */

/**
 * First in, first out, with a moving head: V8 shifts an array of more than about 16,000
 * elements by copying it, so a long queue would cost a copy of itself for every item taken.
 *
 * @example
 * ```ts
 * import { Fifo } from "./priority_queue.ts";
 * const q = new Fifo<string>();
 * q.push("a");
 * q.push("b");
 * console.log(q.shift(), q.length); // a 1
 * ```
 */
export class Fifo<T> {
  items: (T | undefined)[] = [];
  head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }
  first(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the dead prefix dominates, so memory follows the live length.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
  /** Takes every item out, in order. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}

/**
 * A priority queue of items carrying a numeric `priority`.
 *
 * @example
 * ```ts
 * import { TaskQueue } from "./priority_queue.ts";
 * const q = new TaskQueue<{ priority: number; id: string }>();
 * q.push({ priority: 5, id: "late" });
 * q.push({ priority: 0, id: "urgent" });
 * console.log(q.shift()?.id); // "urgent"
 * ```
 */
export class TaskQueue<T extends { priority: number }> {
  #buckets = new Map<number, Fifo<T>>();
  #priorities: number[] = [];
  #size = 0;

  /** Number of queued items. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item behind every item of the same or a lower priority number. */
  push(item: T): void {
    this.#bucket(item.priority).push(item);
    this.#size++;
  }

  /** Puts an item back at the front of its priority (a retried task keeps its turn). */
  unshift(item: T): void {
    this.#bucket(item.priority).unshift(item);
    this.#size++;
  }

  /** Removes and returns the next item, or `undefined` when empty. */
  shift(): T | undefined {
    while (this.#priorities.length > 0) {
      const p = this.#priorities[0];
      const bucket = this.#buckets.get(p)!;
      const item = bucket.shift();
      if (item !== undefined) {
        this.#size--;
        if (bucket.length === 0) this.#drop(p);
        return item;
      }
      this.#drop(p);
    }
    return undefined;
  }

  /** The next item, left in place, or `undefined` when empty. */
  peek(): T | undefined {
    if (this.#priorities.length === 0) return undefined;
    return this.#buckets.get(this.#priorities[0])!.first();
  }

  /** Removes a specific item (a cancelled task); O(n) in its bucket, which is the rare path. */
  remove(item: T): boolean {
    const bucket = this.#buckets.get(item.priority);
    if (!bucket || !bucket.remove(item)) return false;
    this.#size--;
    if (bucket.length === 0) this.#drop(item.priority);
    return true;
  }

  /** Removes and returns the items that match, in queue order (a rerouted task name). O(n). */
  extract(match: (item: T) => boolean): T[] {
    const out: T[] = [];
    const keep: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) {
      (match(item) ? out : keep).push(item);
    }
    for (const item of keep) this.push(item);
    return out;
  }

  /** Removes and returns every item, in queue order. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  #bucket(priority: number): Fifo<T> {
    let bucket = this.#buckets.get(priority);
    if (!bucket) {
      bucket = new Fifo<T>();
      this.#buckets.set(priority, bucket);
      // Insert keeping the list sorted; there are few distinct priorities.
      let i = this.#priorities.length;
      while (i > 0 && this.#priorities[i - 1] > priority) i--;
      this.#priorities.splice(i, 0, priority);
    }
    return bucket;
  }

  #drop(priority: number): void {
    this.#buckets.delete(priority);
    this.#priorities.splice(this.#priorities.indexOf(priority), 1);
  }
}
