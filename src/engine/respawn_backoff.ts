/**
 * How long the pool waits before it starts a worker again after workers died in a row: a task
 * module that kills every worker must not make the pool respawn as fast as the machine can start
 * threads (a storm of hundreds of workers a second that starves the real work).
 *
 * @module
 */

/** The first delay after the second death in a row; it doubles after each one more. */
export const FIRST_RESPAWN_DELAY_MS = 25;
/** The longest delay between respawns. */
export const MAX_RESPAWN_DELAY_MS = 2000;

/**
 * The delay before the next worker start after `deathsInARow` workers died (crashed, or failed to
 * start) with no task finishing in between: none after a lone death, then 25 ms doubling to 2 s.
 *
 * @example
 * ```ts
 * import { respawnDelayMs } from "./respawn_backoff.ts";
 * console.log(respawnDelayMs(1), respawnDelayMs(2), respawnDelayMs(4), respawnDelayMs(20)); // 0 25 100 2000
 * ```
 */
export function respawnDelayMs(deathsInARow: number): number {
  if (deathsInARow <= 1) return 0;
  return Math.min(MAX_RESPAWN_DELAY_MS, FIRST_RESPAWN_DELAY_MS * 2 ** (deathsInARow - 2));
}
