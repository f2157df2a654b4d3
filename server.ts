/**
 * The workloom job server: submit jobs over HTTP to a pool, with a job store, retries, delays,
 * fairness between tenants, progress over Server-Sent Events and an OpenAPI document. A subpath
 * of its own, so that importing the pool alone never loads Hono.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "@workloom/workloom";
 * import { createServer } from "@workloom/workloom/server";
 * const pool = createPool(new URL("./tasks.ts", import.meta.url));
 * const server = await createServer(pool, { token: "s3cret" });
 * Deno.serve({ port: 8787, hostname: "127.0.0.1" }, server.fetch);
 * ```
 *
 * @module
 */

export { createServer } from "./src/server/create_server.ts";
export type { JobServer } from "./src/server/create_server.ts";
export type { ServerOptions } from "./src/server/server_options.ts";
export { isLoopback } from "./src/server/auth.ts";
export { JobRunner } from "./src/jobs/job_runner.ts";
export type {
  CancelOutcome,
  JobRunnerOptions,
  RunnerPool,
  RunnerTotals,
} from "./src/jobs/job_runner.ts";
export { ServerMetrics } from "./src/server/server_metrics.ts";
export type { MetricsReading, TaskTimes } from "./src/server/server_metrics.ts";
export { WindowHistogram } from "./src/server/window_histogram.ts";
export type { WindowHistogramOptions } from "./src/server/window_histogram.ts";
export { formatExposition } from "./src/server/prometheus.ts";
export type { MetricFamily, MetricType, Sample } from "./src/server/prometheus.ts";
export { JobStore } from "./src/jobs/job_store.ts";
export { memoryQueue } from "./src/jobs/memory_queue.ts";
export type { MemoryQueueOptions } from "./src/jobs/memory_queue.ts";
export type {
  Awaitable,
  JobBackend,
  JobBackendSettings,
  JobRunnerApi,
  JobStoreApi,
  OpenedJobBackend,
} from "./src/jobs/job_backend.ts";
export type { JobChange, JobLookup, JobStoreOptions, ListFilter } from "./src/jobs/job_store.ts";
export { isFinal, JOB_STATUSES } from "./src/jobs/job.ts";
export type { Job, JobError, JobRequest, JobStatus } from "./src/jobs/job.ts";
export { DrainingError, IdempotencyConflictError, JobsFullError } from "./src/jobs/job_errors.ts";
export { QueueUnavailableError } from "./src/jobs/queue_unavailable.ts";
export { backoffDelay } from "./src/jobs/backoff.ts";
export { nextTurn } from "./src/jobs/fairness.ts";
export type { KeyTurn } from "./src/jobs/fairness.ts";
