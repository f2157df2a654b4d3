/**
 * Whose job runs next: a pure turn-taking rule over concurrency keys, so one tenant flooding the
 * queue cannot starve another.
 *
 * @module
 */

/** One concurrency key as the picker sees it. */
export interface KeyTurn {
  /** Jobs of this key ready to run. */
  ready: number;
  /** Jobs of this key running now. */
  running: number;
  /** False for the jobs without a key: they share no per-key limit. */
  limited: boolean;
}

/**
 * The index (of `count` keys in their rotation order, `turnAt(i)` telling key `i`) of the key to
 * serve next: the first key after index `last` (wrapping around, `last` itself coming last) that
 * has a ready job and, when limited, fewer than `limit` running, and that `open` (when given) lets
 * start now; `-1` when no key may start a job now. Starting after the key served last is what
 * makes keys take turns: each key gets one job per round, however many it has waiting. Keys are
 * asked one by one, so a take looks at the keys up to the one it serves, not at every key.
 *
 * @example
 * ```ts
 * import { nextTurn } from "./fairness.ts";
 * const turns = [
 *   { ready: 900, running: 1, limited: true },
 *   { ready: 3, running: 0, limited: true },
 * ];
 * console.log(nextTurn(turns.length, (i) => turns[i], 0, 2)); // 1: key 0 was served last
 * ```
 */
export function nextTurn(
  count: number,
  turnAt: (index: number) => KeyTurn,
  last: number,
  limit: number,
  open?: (index: number) => boolean,
): number {
  const n = count;
  for (let step = 1; step <= n; step++) {
    const i = (((last + step) % n) + n) % n;
    const t = turnAt(i);
    // `open` (a rate limit) is asked last, and only of a key that may otherwise start a job: a
    // key it closes is passed over like a key at its concurrency limit, so it blocks no other.
    if (t.ready > 0 && (!t.limited || t.running < limit) && (!open || open(i))) return i;
  }
  return -1;
}
