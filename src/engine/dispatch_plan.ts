/**
 * The dispatch decision, as a pure function: how many queued tasks each worker gets this turn and
 * how many workers to start. Tasks go to the worker with the most room first (the least busy),
 * and each gets a fair share of the queue rather than all it can hold, so that a burst spreads
 * over every worker instead of filling the first one. A burst also starts the workers it can
 * use, all at once: one more for each queued task beyond the workers with room, up to what may
 * start, even when the first worker's prefetch could hold them all (a cheap task's prefetch
 * would otherwise hand a whole batch to the one worker that exists).
 *
 * @module
 */

/** What one dispatch turn does. */
export interface Dispatch {
  /** Tasks to send to each worker, by index; indexes past the current workers are new ones. */
  counts: number[];
  /** Workers to start before sending. */
  spawn: number;
}

/**
 * Plans one dispatch turn.
 *
 * @param queued tasks waiting
 * @param rooms free places of each current worker (0 for one that takes no tasks)
 * @param canSpawn how many more workers may start
 * @param perWorker places of a new worker
 *
 * @example
 * ```ts
 * import { planDispatch } from "./dispatch_plan.ts";
 * console.log(planDispatch(10, [4, 4], 0, 4)); // { counts: [4, 4], spawn: 0 }
 * console.log(planDispatch(3, [0], 1, 2)); // { counts: [0, 2], spawn: 1 }
 * console.log(planDispatch(100, [101], 1, 101)); // { counts: [50, 50], spawn: 1 }
 * ```
 */
export function planDispatch(
  queued: number,
  rooms: readonly number[],
  canSpawn: number,
  perWorker: number,
): Dispatch {
  const free = rooms.slice();
  let room = 0;
  let takers = 0;
  for (const r of free) {
    room += r;
    if (r > 0) takers++;
  }
  let spawn = 0;
  while ((room < queued || takers + spawn < queued) && spawn < canSpawn) {
    free.push(perWorker);
    room += perWorker;
    spawn++;
  }
  const counts = free.map(() => 0);
  let remaining = Math.min(queued, room);
  while (remaining > 0) {
    let best = -1;
    let withRoom = 0;
    for (let i = 0; i < free.length; i++) {
      if (free[i] <= 0) continue;
      withRoom++;
      if (best < 0 || free[i] > free[best]) best = i;
    }
    const give = Math.min(free[best], Math.ceil(remaining / withRoom));
    counts[best] += give;
    free[best] -= give;
    remaining -= give;
  }
  return { counts, spawn };
}
