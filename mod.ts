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
export type { PoolOptions } from "./src/pool_options.ts";
export type { PoolEventMap, PoolEventName } from "./src/pool_events.ts";
export type { TaskContext } from "./src/task_context.ts";
export type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "./src/task_types.ts";
export {
  abortError,
  PoolClosedError,
  QueueFullError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
} from "./src/errors.ts";

// The machine
export { getRuntimeKey, runtime } from "./src/runtime.ts";
export type { ReadResult, RuntimeAdapter, RuntimeKey, SystemMemory } from "./src/adapter/types.ts";
export { detectMachine } from "./src/machine.ts";
export type { DetectMachineOptions, MachineProfile } from "./src/machine.ts";
export { detectCores, parseCpuList } from "./src/cores.ts";
export type { CoresProfile, DetectCoresOptions } from "./src/cores.ts";
export { detectMemory } from "./src/memory.ts";
export type { DetectMemoryOptions, MemoryProfile } from "./src/memory.ts";
export { detectSharedMemory } from "./src/shared_memory.ts";
export type { SharedMemoryProfile } from "./src/shared_memory.ts";
export { CI_VARIABLES, detectEnvironment, ENVIRONMENT_NAMES } from "./src/environment.ts";
export type { EnvironmentProfile, EnvLookup } from "./src/environment.ts";
export { createCpuSampler } from "./src/cpu_usage.ts";
export type { CpuSampler, CpuSamplerOptions, CpuSource } from "./src/cpu_usage.ts";
export { formatMachine } from "./src/format_machine.ts";
export { formatBytes } from "./src/format_bytes.ts";

// Profiles and sizing
export { ENVIRONMENTS, getProfile, WORKLOADS } from "./src/profiles.ts";
export type { EnvironmentName, Workload, WorkloadProfile } from "./src/profiles.ts";
export { optimalWorkers, planWorkers, queueBound, shouldParallelize } from "./src/sizing.ts";
export type {
  OptimalWorkersOptions,
  QueueBoundOptions,
  ShouldParallelizeOptions,
  WorkerPlan,
  WorkersLimitedBy,
} from "./src/sizing.ts";
export { concurrencyForThroughput, workersForWaitRatio } from "./src/littles_law.ts";
export type { SizeBounds, ThroughputOptions, WaitRatioOptions } from "./src/littles_law.ts";
export {
  clampWeight,
  DEFAULT_WEIGHT,
  estimateWeight,
  historyWeights,
  MAX_WEIGHT,
  MIN_WEIGHT,
  orderByWeight,
} from "./src/weights.ts";
export type { EstimateWeightOptions, OrderByWeightOptions } from "./src/weights.ts";

// Auto-tuning policy
export { decide } from "./src/controller.ts";
export type { DecideResult, PoolSample } from "./src/controller.ts";
export { createControllerState, recentDecisions } from "./src/controller_state.ts";
export type { ControllerState, ControllerTarget, Decision } from "./src/controller_state.ts";
export { POLICY_PRESETS, resolveControllerOptions } from "./src/controller_options.ts";
export type {
  ControllerOptions,
  Lane,
  PolicyPreset,
  ResolvedControllerOptions,
  ScalingPolicy,
} from "./src/controller_options.ts";

// Measuring and reporting
export { Histogram } from "./src/histogram.ts";
export type { HistogramOptions, LatencySummary } from "./src/histogram.ts";
export { Ema, emaStep } from "./src/ema.ts";
export { waitComputeRatio } from "./src/task_stats.ts";
export type { TaskLane, TaskSummary } from "./src/task_stats.ts";
export { MetricsRecorder } from "./src/metrics_recorder.ts";
export type { FinishedTask, MetricsRecorderOptions } from "./src/metrics_recorder.ts";
export type {
  DecisionNote,
  MetricsSnapshot,
  PoolGauges,
  StageSummary,
  WorkerSummary,
} from "./src/metrics_snapshot.ts";
export { checkSla } from "./src/sla.ts";
export type { SlaFinding, SlaResult, SlaTarget } from "./src/sla.ts";
export { BOTTLENECK_RULES, findBottlenecks } from "./src/bottlenecks.ts";
export type { BottleneckOptions, Finding, Severity } from "./src/bottlenecks.ts";
export { formatReport } from "./src/report.ts";
export type { ReportOptions } from "./src/report.ts";
export { exportRun, parseRun, RUN_FORMAT_VERSION } from "./src/run_export.ts";
export type { RunRecord } from "./src/run_export.ts";
export { analyzeTrend } from "./src/trend.ts";
export type { StageRegression, TrendOptions, TrendResult } from "./src/trend.ts";
export { formatDiagnostics } from "./src/diagnostics.ts";
export type { PoolDiagnostics, WorkerDiagnostics, WorkerState } from "./src/diagnostics.ts";
export { formatHandoff, probeHandoff } from "./src/handoff_probe.ts";
export type {
  HandoffMode,
  HandoffProbeOptions,
  HandoffRow,
  HandoffSend,
} from "./src/handoff_probe.ts";
