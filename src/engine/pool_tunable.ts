/**
 * What the adaptive controller sees of a pool and changes in it, as a part of its own: samples
 * come from the monitor, and a new shape goes down to the lane table, the queues (tasks already
 * queued follow their name's new lane), the worker set (its size and concurrency) and a dispatch
 * turn (a grown pool starts its workers). The controller calls this part, never the pool.
 *
 * @module
 */
import type { Lane } from "../lane.ts";
import type { LaneQueues, LaneTable } from "./lane_queues.ts";
import type { PoolMonitor } from "./pool_monitor.ts";
import type { Tunable } from "../tuning/autotuner.ts";
import type { WorkerSet } from "./worker_set.ts";

/** The parts the controller reads and moves. */
export interface TunableParts {
  readonly monitor: PoolMonitor;
  readonly lanes: LaneTable;
  readonly queues: LaneQueues;
  readonly workers: WorkerSet;
  readonly dispatch: { schedule(): void };
}

/**
 * A pool as the controller tunes it.
 *
 * @example
 * ```ts ignore
 * const tuner = new Autotuner(new PoolTunable({ monitor, lanes, queues, workers, dispatch }), cores);
 * ```
 */
export class PoolTunable implements Tunable {
  constructor(readonly parts: TunableParts) {}

  /** The counters the controller decides on. */
  sample(now: number): ReturnType<Tunable["sample"]> {
    return this.parts.monitor.sample(now);
  }

  /** Takes a new shape and lane routing. */
  apply(target: { workers: number; concurrency: number }, lanes: Record<string, Lane>): void {
    const { lanes: table, queues, workers, dispatch } = this.parts;
    // Tasks already queued follow their name, or a backlog would drain in the old lane.
    for (const [name, lane] of table.route(lanes)) queues.reroute(name, lane);
    if (target.workers !== workers.target || target.concurrency !== workers.concurrency) {
      workers.resize(target.workers, target.concurrency);
      dispatch.schedule(); // a grown pool starts its workers; a busy retiring one's replacement
    }
  }

  /** True when nothing is queued or running. */
  idle(): boolean {
    return this.parts.monitor.queueSize === 0 && this.parts.workers.load().inFlight === 0;
  }
}
