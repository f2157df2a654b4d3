/**
 * The ids of finished jobs in the order they finished, which is the order they expire in: a
 * sweep reads from the oldest on and stops at the first that stays, so it reads only what it
 * lets go, not every job held. Swept ids leave from the front; the array is compacted once they
 * are most of it, so a busy store neither shifts it per id nor keeps it growing.
 *
 * @module
 */

/**
 * Finished job ids, oldest first.
 *
 * @example
 * ```ts
 * import { FinishOrder } from "./finish_order.ts";
 * const order = new FinishOrder();
 * order.add("a");
 * order.add("b");
 * order.drop(1);
 * console.log([...order.oldest()]); // ["b"]
 * ```
 */
export class FinishOrder {
  #ids: string[] = [];
  #head = 0;

  /** Job `id` finished now: it expires after every id added before it. */
  add(id: string): void {
    this.#ids.push(id);
  }

  /** The ids not dropped yet, oldest first. */
  *oldest(): Generator<string> {
    for (let i = this.#head; i < this.#ids.length; i++) yield this.#ids[i];
  }

  /** Lets go of the `n` oldest ids (swept, or gone already). */
  drop(n: number): void {
    this.#head += n;
    if (this.#head * 2 >= this.#ids.length) {
      this.#ids = this.#ids.slice(this.#head);
      this.#head = 0;
    }
  }
}
