/**
 * Deadlines (of long-polls, body reads, and job attempts), on one timer per wait length rather than
 * one per waiter. Waiters of the same length reach their deadlines in the order they started, so
 * each length keeps its waiters in a list in that order and a timer for the earliest; a waiter
 * answered before its deadline (the common case) leaves the list at once, and costs no timer of
 * its own.
 *
 * @module
 */

interface Waiter {
  at: number;
  fire: () => void;
  /** Out of its list (fired or let go): letting it go again must not touch the list. */
  gone?: true;
  prev?: Waiter;
  next?: Waiter;
}

/** The waiters of one wait length, oldest first, and the timer of the oldest. */
class DeadlineList {
  head?: Waiter;
  tail?: Waiter;
  timer?: ReturnType<typeof setTimeout>;
}

const lists = new Map<number, DeadlineList>();

/**
 * Calls `fire` `waitMs` from now (as `setTimeout` would) unless the returned function is called first (it lets go of
 * the waiter, and of the timer once no waiter of that length is left).
 *
 * @example
 * ```ts
 * import { atDeadline } from "./wait_deadlines.ts";
 * const cancel = atDeadline(() => console.log("deadline"), 50);
 * cancel(); // answered in time: nothing fires
 * ```
 */
export function atDeadline(fire: () => void, waitMs: number): () => void {
  let list = lists.get(waitMs);
  if (!list) lists.set(waitMs, list = new DeadlineList());
  const waiter: Waiter = { at: performance.now() + waitMs, fire, prev: list.tail };
  if (list.tail) list.tail.next = waiter;
  else list.head = waiter;
  list.tail = waiter;
  if (list.timer === undefined) arm(waitMs, list);
  return () => {
    if (!waiter.gone) unlink(waitMs, list, waiter);
  };
}

/** Timers now pending for deadlines: one per wait length with a waiter, none when idle. */
export function deadlineTimers(): number {
  let n = 0;
  for (const list of lists.values()) if (list.timer !== undefined) n++;
  return n;
}

function unlink(waitMs: number, list: DeadlineList, waiter: Waiter): void {
  if (waiter.prev) waiter.prev.next = waiter.next;
  else list.head = waiter.next;
  if (waiter.next) waiter.next.prev = waiter.prev;
  else list.tail = waiter.prev;
  waiter.prev = waiter.next = undefined;
  waiter.gone = true;
  // No waiter left: no timer left either (nothing keeps the process alive for nothing).
  if (list.head === undefined) {
    clearTimeout(list.timer);
    list.timer = undefined;
    if (lists.get(waitMs) === list) lists.delete(waitMs);
  }
}

/** Sets the list's timer for its oldest waiter's deadline (a later one's, if it left since). */
function arm(waitMs: number, list: DeadlineList): void {
  const delay = Math.max(0, list.head!.at - performance.now());
  list.timer = setTimeout(() => {
    list.timer = undefined;
    const now = performance.now();
    while (list.head !== undefined && list.head.at <= now) {
      const waiter = list.head;
      unlink(waitMs, list, waiter);
      waiter.fire();
    }
    if (list.head !== undefined && list.timer === undefined) arm(waitMs, list);
  }, Math.ceil(delay));
}
