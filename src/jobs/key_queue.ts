/**
 * One concurrency key's ready jobs, in order: lower priority first, then submission order. It is
 * the engine's `Fifo` (a front that moves rather than an array shifted, which V8 copies past about
 * 16,000 elements: 34 µs a job at 20,000 on Deno, so a flood's backlog was copied for every job
 * taken from it), with jobs put in place: one that sorts last (the common case: same priority,
 * later submission) is appended; one that sorts earlier (a higher priority, a retry or a delayed
 * job with its old submission number) goes where it belongs.
 *
 * @module
 */
import { Fifo } from "../engine/priority_queue.ts";

/** What a key's queue orders by. */
export interface Ordered {
  priority: number;
  seq: number;
}

/**
 * A key's jobs in (priority, seq) order, taken from the front with `shift()`.
 *
 * @example
 * ```ts
 * import { KeyQueue } from "./key_queue.ts";
 * const q = new KeyQueue<{ id: string; priority: number; seq: number }>();
 * q.insert({ id: "second", priority: 0, seq: 2 });
 * q.insert({ id: "first", priority: 0, seq: 1 });
 * q.insert({ id: "urgent", priority: -1, seq: 3 });
 * console.log(q.shift()?.id, q.shift()?.id, q.length); // urgent first 1
 * ```
 */
export class KeyQueue<T extends Ordered> extends Fifo<T> {
  /** Adds a job behind every job that comes before it (binary search; appended when last). */
  insert(entry: T): void {
    const items = this.items;
    if (this.length === 0 || before(items[items.length - 1]!, entry)) return this.push(entry);
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(items[mid]!, entry)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.head) this.unshift(entry);
    else items.splice(lo, 0, entry);
  }

  /** Removes the job that `match` picks (a cancelled one); false when none does. O(n). */
  removeWhere(match: (entry: T) => boolean): boolean {
    const items = this.items;
    for (let i = this.head; i < items.length; i++) {
      if (!match(items[i]!)) continue;
      if (i === this.head) this.shift();
      else items.splice(i, 1);
      return true;
    }
    return false;
  }
}

/** Whether `a` comes before `b`: lower priority first, then submission order. */
function before(a: Ordered, b: Ordered): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}
