/**
 * What the controller decides and aims for, as plain data: a leaf module, so that the policies
 * that make decisions (scaling, routing, probes) and the state that remembers them import it
 * without importing each other.
 *
 * @module
 */

/**
 * One recorded choice. `from`/`to` are worker counts, per-worker concurrency (the reason says
 * which), or lane codes for `route` (0 worker, 1 async). `hold` is recorded only when a probe ends
 * in place (kept, or a concurrency probe left unjudged as its load went away), so the history shows
 * how each probe ended.
 */
export interface Decision {
  at: number;
  kind: "scale-up" | "scale-down" | "hold" | "probe" | "revert" | "route";
  from: number;
  to: number;
  reason: string;
  /** The task name, for `route` decisions. */
  task?: string;
}

/** The shape the pool should have. */
export interface ControllerTarget {
  readonly workers: number;
  readonly concurrency: number;
}
