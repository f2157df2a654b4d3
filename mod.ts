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
export {
  abortError,
  PoolClosedError,
  QueueFullError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
  WorkerStartError,
  WorkerUnresponsiveError,
} from "./src/errors.ts";

// The machine
export { getRuntimeKey, runtime } from "./src/adapter/runtime.ts";
export type { ReadResult, RuntimeAdapter, RuntimeKey, SystemMemory } from "./src/adapter/types.ts";
export { detectMachine } from "./src/machine/machine.ts";
export type { DetectMachineOptions, MachineProfile } from "./src/machine/machine.ts";
export { detectCores, parseCpuList } from "./src/machine/cores.ts";
export type { CoresProfile, DetectCoresOptions } from "./src/machine/cores.ts";
export { detectMemory } from "./src/machine/memory.ts";
export type { DetectMemoryOptions, MemoryProfile } from "./src/machine/memory.ts";
export { detectSharedMemory } from "./src/machine/shared_memory.ts";
export type { SharedMemoryProfile } from "./src/machine/shared_memory.ts";
export { CI_VARIABLES, detectEnvironment, ENVIRONMENT_NAMES } from "./src/machine/environment.ts";
export type { EnvironmentProfile, EnvLookup } from "./src/machine/environment.ts";
export { createCpuSampler } from "./src/machine/cpu_usage.ts";
export type { CpuSampler, CpuSamplerOptions, CpuSource } from "./src/machine/cpu_usage.ts";
export { formatMachine } from "./src/machine/format_machine.ts";
export { formatBytes } from "./src/report/format_bytes.ts";

// Profiles and sizing
export { ENVIRONMENTS, getProfile, WORKLOADS } from "./src/sizing/profiles.ts";
export type { EnvironmentName, Workload, WorkloadProfile } from "./src/sizing/profiles.ts";
export { optimalWorkers, planWorkers, queueBound, shouldParallelize } from "./src/sizing/sizing.ts";
export type {
  OptimalWorkersOptions,
  QueueBoundOptions,
  ShouldParallelizeOptions,
  WorkerPlan,
  WorkersLimitedBy,
} from "./src/sizing/sizing.ts";
export {
  concurrencyForThroughput,
  inFlightForWaitRatio,
  waitComputeRatio,
  workersForWaitRatio,
} from "./src/sizing/littles_law.ts";
export type { SizeBounds, ThroughputOptions, WaitRatioOptions } from "./src/sizing/littles_law.ts";
export {
  clampWeight,
  DEFAULT_WEIGHT,
  estimateWeight,
  historyWeights,
  MAX_WEIGHT,
  MIN_WEIGHT,
  orderByWeight,
} from "./src/sizing/weights.ts";
export type { EstimateWeightOptions, OrderByWeightOptions } from "./src/sizing/weights.ts";

// Auto-tuning policy
export { decide } from "./src/tuning/controller.ts";
export type { DecideResult, PoolSample } from "./src/tuning/controller.ts";
export { createControllerState, recentDecisions } from "./src/tuning/controller_state.ts";
export type { ControllerState, ControllerTarget, Decision } from "./src/tuning/controller_state.ts";
export { POLICY_PRESETS, resolveControllerOptions } from "./src/tuning/controller_options.ts";
export type {
  ControllerOptions,
  PolicyPreset,
  ResolvedControllerOptions,
  ScalingPolicy,
} from "./src/tuning/controller_options.ts";

// Measuring and reporting
export { Histogram } from "./src/metrics/histogram.ts";
export type { HistogramOptions, LatencySummary } from "./src/metrics/histogram.ts";
export { Ema, emaStep } from "./src/metrics/ema.ts";
export type { TaskSummary } from "./src/metrics/task_stats.ts";
export type { Lane } from "./src/lane.ts";
export { MetricsRecorder } from "./src/metrics/metrics_recorder.ts";
export type { FinishedTask, MetricsRecorderOptions } from "./src/metrics/metrics_recorder.ts";
export type {
  DecisionNote,
  MetricsSnapshot,
  PoolGauges,
  StageSummary,
  WorkerSummary,
} from "./src/metrics/metrics_snapshot.ts";
export { checkSla } from "./src/report/sla.ts";
export type { SlaFinding, SlaResult, SlaTarget } from "./src/report/sla.ts";
export { BOTTLENECK_RULES, findBottlenecks } from "./src/report/bottlenecks.ts";
export type { BottleneckOptions, Finding, Severity } from "./src/report/bottlenecks.ts";
export { formatReport } from "./src/report/report.ts";
export type { ReportOptions } from "./src/report/report.ts";
export { exportRun, parseRun, RUN_FORMAT_VERSION } from "./src/report/run_export.ts";
export type { RunRecord } from "./src/report/run_export.ts";
export { analyzeTrend } from "./src/report/trend.ts";
export type { StageRegression, TrendOptions, TrendResult } from "./src/report/trend.ts";
export { formatDiagnostics } from "./src/report/diagnostics.ts";
export type { PoolDiagnostics, WorkerDiagnostics, WorkerState } from "./src/report/diagnostics.ts";
export { formatHandoff, probeHandoff } from "./src/report/handoff_probe.ts";
export type {
  HandoffMode,
  HandoffProbeOptions,
  HandoffRow,
  HandoffSend,
} from "./src/report/handoff_probe.ts";
