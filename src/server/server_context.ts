/**
 * What the routes of the job server share: the job runner and store, the task check, and the
 * settings in force.
 *
 * @module
 */
import type { JobRunnerApi, JobStoreApi } from "../jobs/job_backend.ts";
import type { MetricsSnapshot } from "../metrics/metrics_snapshot.ts";
import type { ServerMetrics } from "./server_metrics.ts";
import type { StreamSlots } from "./stream_slots.ts";

/** The state one job server's routes share. */
export interface ServerContext {
  runner: JobRunnerApi;
  store: JobStoreApi;
  /** True when `name` is a function the task module itself exports. */
  hasTask(name: string): boolean;
  /** The task module's own function exports, in order. */
  taskNames: readonly string[];
  /** The pool's measurements, for `GET /tasks`. */
  metrics(): MetricsSnapshot;
  /** Interval of SSE keep-alive comments, in milliseconds. */
  keepAliveMs: number;
  /** Event streams open now, capped; a stream counts until its client is gone or it ends. */
  streams: StreamSlots;
  /** How far an event stream's client may fall behind: in changes, and in time not reading. */
  streamLimits: { maxLag: number; stallMs: number };
  /** The server's own counters (`/metrics`, the dashboard). */
  counters: ServerMetrics;
}
