/**
 * How many jobs a node holds at once: a pure function of its pool's task slots and two
 * measured times, by Little's law.
 *
 * @module
 */

/**
 * The most a node holds, per task slot, whatever the measurements say: about a millisecond of
 * work for a no-op job of ~10 µs (measured: 128 rather than 32 took 6.2 rather than 6.7 Redis
 * commands per job in batches, and about 1.3× the jobs/s at about 0.75× the CPU per job).
 */
export const MAX_WINDOW_PER_SLOT = 128;

/**
 * Jobs a node should hold (running, and taken ahead or being recorded) so that its workers never
 * wait for Redis: each slot runs a job while its next one makes the round trip, so
 * `slots × (1 + roundTripMs / runMs)` (Little's law: jobs in the hop = throughput × time in it,
 * throughput = slots / runMs). Tiny jobs get a deep window; jobs much longer than a round trip
 * get about one per slot, so a node never hoards long jobs that another node could run. At least
 * twice the slots (the in-memory runner's rule), at most `MAX_WINDOW_PER_SLOT` times; twice the
 * slots before anything was measured.
 *
 * @example
 * ```ts
 * import { takeWindow } from "./take_window.ts";
 * console.log(takeWindow(4, { runMs: 0.1, roundTripMs: 0.5 })); // 24
 * console.log(takeWindow(4, { runMs: 1000, roundTripMs: 0.5 })); // 8
 * ```
 */
export function takeWindow(
  slots: number,
  measured: { runMs?: number; roundTripMs?: number },
): number {
  const s = Math.max(1, Math.floor(slots));
  const { runMs, roundTripMs } = measured;
  if (runMs === undefined || roundTripMs === undefined) return 2 * s;
  const deep = s * (1 + roundTripMs / Math.max(runMs, 0.001));
  return Math.min(MAX_WINDOW_PER_SLOT * s, Math.max(2 * s, Math.ceil(deep)));
}
