/**
 * Deadlines (of long-polls, body reads, and job attempts), on one timer per wait length rather than
 * one per waiter. Waiters of the same length reach their deadlines in the order they started, so
 * each length keeps its waiters in a list in that order and a timer for the earliest; a waiter
 * answered before its deadline (the common case) leaves the list at once, and costs no timer of
 * its own. A list left empty keeps its timer (unref'd) until it fires: the next waiter of that
 * length, a request later, finds it armed instead of setting a timer and clearing it again, which
 * was one `setTimeout` and one `clearTimeout` per request. `releaseDeadlines()` lets go of those
 * idle timers at shutdown.
 *
 * @module
 */
import { refTimer } from "../adapter/timer_ref.ts";

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
  /** The timer is kept for no waiter (unref'd): the next waiter takes it over. */
  idle = false;
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
  else if (list.idle) {
    // Its deadline is an earlier waiter's, no later than this one's: it fires, then re-arms.
    list.idle = false;
    refTimer(list.timer, true);
  }
  return () => {
    if (!waiter.gone) unlink(list, waiter);
  };
}

/**
 * Timers now pending for deadlines' waiters: one per wait length with a waiter, none when idle
 * (an idle length's kept timer is not counted: it waits for nobody and keeps nothing alive).
 */
export function deadlineTimers(): number {
  let n = 0;
  for (const list of lists.values()) if (list.timer !== undefined && !list.idle) n++;
  return n;
}

/** Timers kept (unref'd) by lengths that have no waiter now: `releaseDeadlines()` clears them. */
export function idleDeadlineTimers(): number {
  let n = 0;
  for (const list of lists.values()) if (list.idle) n++;
  return n;
}

/**
 * Clears the timers that lengths without a waiter keep, at shutdown: nothing of the deadlines
 * is left pending (waiters' own timers stay: they still have a deadline to keep).
 *
 * @example
 * ```ts
 * import { atDeadline, idleDeadlineTimers, releaseDeadlines } from "./wait_deadlines.ts";
 * atDeadline(() => {}, 50)(); // answered in time: its length keeps the timer for the next one
 * releaseDeadlines();
 * console.log(idleDeadlineTimers()); // 0
 * ```
 */
export function releaseDeadlines(): void {
  for (const [waitMs, list] of lists) {
    if (!list.idle) continue;
    clearTimeout(list.timer);
    list.timer = undefined;
    list.idle = false;
    lists.delete(waitMs);
  }
}

function unlink(list: DeadlineList, waiter: Waiter): void {
  if (waiter.prev) waiter.prev.next = waiter.next;
  else list.head = waiter.next;
  if (waiter.next) waiter.next.prev = waiter.prev;
  else list.tail = waiter.prev;
  waiter.prev = waiter.next = undefined;
  waiter.gone = true;
  // No waiter left: the timer stays, unref'd (it keeps the process alive for nobody), for the
  // next waiter of this length; it lets the list go if it fires first.
  if (list.head === undefined && list.timer !== undefined && !list.idle) {
    list.idle = true;
    refTimer(list.timer, false);
  }
}

/** Sets the list's timer for its oldest waiter's deadline (a later one's, if it left since). */
function arm(waitMs: number, list: DeadlineList): void {
  const delay = Math.max(0, list.head!.at - performance.now());
  list.timer = setTimeout(() => {
    list.timer = undefined;
    if (list.idle) {
      // Kept for nobody until its time: let the list go.
      list.idle = false;
      if (lists.get(waitMs) === list) lists.delete(waitMs);
      return;
    }
    const now = performance.now();
    while (list.head !== undefined && list.head.at <= now) {
      const waiter = list.head;
      unlink(list, waiter);
      waiter.fire();
    }
    if (list.head !== undefined && list.timer === undefined) arm(waitMs, list);
    else if (list.head === undefined && lists.get(waitMs) === list) lists.delete(waitMs);
  }, Math.ceil(delay));
}
