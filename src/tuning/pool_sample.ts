/**
 * The sample of a pool the controller decides on: a leaf module, so that the controller and the
 * policies it calls (probe planner and judge, sample guard) share it without an import cycle.
 *
 * @module
 */

/** What the pool measures once per monitor interval. */
export interface PoolSample {
  now: number; // ms (injected clock)
  workers: number; // live workers
  busyWorkers: number; // workers with at least one task in flight
  concurrency: number; // current in-flight limit per worker (async lane)
  inFlight: number; // tasks running in workers
  queueDepth: number; // tasks waiting
  completed: number; // cumulative tasks finished since start (ok or failed)
  busyMs: number; // cumulative busy (compute) time reported by workers
  cpuUtilization?: number; // machine CPU 0..1 (honouring the quota); undefined when unknown
  cores: number; // effective cores of the machine
  tasks: Record<string, { count: number; waitMs: number; computeMs: number }>; // per task name, EMA of wall-minus-compute ("wait") and compute per task over recent samples
}
