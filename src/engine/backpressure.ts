/**
 * Backpressure: the queue's bound, the calls waiting for room (`onFull: "wait"`), and the callers
 * of `whenRoom()`. A million submissions through `whenRoom()` keep memory flat because nothing is
 * created for a caller that waits.
 *
 * @module
 */
import { Fifo } from "./priority_queue.ts";
import type { Task } from "./task.ts";

/** The queue a room guards: its size, and the way in. */
export interface GuardedQueue {
  readonly size: number;
  add(task: Task): void;
}

/**
 * Tasks waiting for room in a bounded queue, and promises for "there is room now".
 *
 * @example
 * ```ts
 * import { Room } from "./backpressure.ts";
 * const queue = { size: 1, add() {} };
 * const room = new Room(1, queue);
 * console.log(room.full); // true
 * room.whenRoom().then(() => console.log("room"));
 * queue.size = 0;
 * room.admit(); // logs "room"
 * ```
 */
export class Room {
  // A Fifo, not an array shifted: thousands of parked calls would each cost a copy of the rest.
  #waiting = new Fifo<Task>();
  #resolvers: (() => void)[] = [];

  constructor(readonly maxQueue: number, readonly queue: GuardedQueue) {}

  /** True when the queue is at its bound. */
  get full(): boolean {
    return this.queue.size >= this.maxQueue;
  }

  /** Calls waiting to enter the queue. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Parks a task until the queue has room. */
  wait(task: Task): void {
    this.#waiting.push(task);
  }

  /** Takes a parked task out (it was cancelled); false if it was not parked. */
  remove(task: Task): boolean {
    return this.#waiting.remove(task);
  }

  /** Resolves when the queue has room (at once if it has). */
  whenRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.#resolvers.push(resolve));
  }

  /**
   * Moves parked tasks into the queue while there is room, then wakes `whenRoom()` callers.
   * Returns how many tasks it queued.
   */
  admit(): number {
    let admitted = 0;
    while (this.#waiting.length > 0 && !this.full) {
      this.queue.add(this.#waiting.shift()!);
      admitted++;
    }
    if (!this.full) this.release();
    return admitted;
  }

  /** Wakes every `whenRoom()` caller (room, or the pool is closing: they must not hang). */
  release(): void {
    const resolvers = this.#resolvers;
    this.#resolvers = [];
    for (const resolve of resolvers) resolve();
  }

  /** Takes every parked task out, in order. */
  drain(): Task[] {
    return this.#waiting.drain();
  }
}
