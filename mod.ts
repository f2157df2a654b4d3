/**
 * workloom: a workload-aware worker pool for Deno and Bun. It detects the machine (effective
 * cores, memory, environment), sizes a pool of Web Workers from workload profiles, runs the
 * functions of a task module in them, tunes itself while the work runs, and explains what it did.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "@workloom/workloom";
 * const pool = createPool<typeof import("./tasks.ts")>(new URL("./tasks.ts", import.meta.url));
 * const html = await pool.run("render", { title: "Hi" });
 * await pool.close();
 * ```
 *
 * @module
 */

// The pool
export { createPool, Pool } from "./src/pool.ts";
export type { CloseOptions, MapOptions, PoolStats, RunOptions } from "./src/pool.ts";
export type { PoolOptions } from "./src/engine/pool_options.ts";
export type { ProcessOptions } from "./src/engine/process_options.ts";
export { THREAD_CAPS } from "./src/engine/process_options.ts";
export type { PoolEventMap, PoolEventName } from "./src/engine/pool_events.ts";
export type { TaskContext } from "./workers/task_context.ts";
export type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "./src/engine/task_types.ts";
export type { Lane } from "./src/lane.ts";
export {
  PoolClosedError,
  QueueFullError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
  WorkerUnresponsiveError,
} from "./src/errors.ts";

// The machine
export { runtime } from "./src/adapter/runtime.ts";
export type { RuntimeAdapter, RuntimeKey } from "./src/adapter/types.ts";
export { detectMachine } from "./src/machine/machine.ts";
export type { DetectMachineOptions, MachineProfile } from "./src/machine/machine.ts";

// Sizing
export type { EnvironmentName, Workload } from "./src/sizing/profiles.ts";
export { optimalWorkers, planWorkers, shouldParallelize } from "./src/sizing/sizing.ts";
export type {
  OptimalWorkersOptions,
  ShouldParallelizeOptions,
  WorkerPlan,
  WorkersLimitedBy,
} from "./src/sizing/sizing.ts";
export { concurrencyForThroughput, workersForWaitRatio } from "./src/sizing/littles_law.ts";
export type { SizeBounds, ThroughputOptions, WaitRatioOptions } from "./src/sizing/littles_law.ts";
export { estimateWeight, orderByWeight } from "./src/sizing/weights.ts";
export type { EstimateWeightOptions, OrderByWeightOptions } from "./src/sizing/weights.ts";

// Auto-tuning (the options of PoolOptions.autotune, and what pool.decisions holds)
export type { Decision } from "./src/tuning/controller_state.ts";
export type { ControllerOptions, ScalingPolicy } from "./src/tuning/controller_options.ts";

// Measuring and reporting
export type { LatencySummary } from "./src/metrics/histogram.ts";
export type { RanIn, TaskSummary } from "./src/metrics/task_stats.ts";
export type {
  DecisionNote,
  MetricsSnapshot,
  PoolGauges,
  StageSummary,
  WorkerSummary,
} from "./src/metrics/metrics_snapshot.ts";
export { checkSla } from "./src/report/sla.ts";
export type { SlaFinding, SlaResult, SlaTarget } from "./src/report/sla.ts";
export { findBottlenecks } from "./src/report/bottlenecks.ts";
export type { BottleneckOptions, Finding, Severity } from "./src/report/bottlenecks.ts";
export { formatReport } from "./src/report/report.ts";
export type { ReportOptions } from "./src/report/report.ts";
export { exportRun, parseRun } from "./src/report/run_export.ts";
export type { RunRecord } from "./src/report/run_export.ts";
export { analyzeTrend } from "./src/report/trend.ts";
export type { StageRegression, TrendOptions, TrendResult } from "./src/report/trend.ts";
export { formatDiagnostics } from "./src/report/diagnostics.ts";
export type { PoolDiagnostics, WorkerDiagnostics, WorkerState } from "./src/report/diagnostics.ts";
export type { HandoffProbeOptions, HandoffRow } from "./src/report/handoff_probe.ts";
