/**
 * The pool as users see it: `createPool` and the typed `Pool`, whose call sites are checked
 * against the task module's own types. The work is done by the `Scheduler`.
 *
 * @module
 */
import type { Decision } from "./tuning/controller_state.ts";
import type { PoolDiagnostics } from "./report/diagnostics.ts";
import type { HandoffProbeOptions, HandoffRow } from "./report/handoff_probe.ts";
import { type MapOptions, mapTasks } from "./engine/map_tasks.ts";
import type { MetricsSnapshot } from "./metrics/metrics_snapshot.ts";
import type { PoolEventMap, PoolEventName } from "./engine/pool_events.ts";
import type { PoolOptions, ResolvedPoolOptions } from "./engine/pool_options.ts";
import type { RunOptions } from "./engine/task.ts";
import { shouldParallelize } from "./sizing/sizing.ts";
import type { PoolStats } from "./engine/pool_monitor.ts";
import { type CloseOptions, Scheduler } from "./engine/scheduler.ts";
import type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "./engine/task_types.ts";
import type { SpawnLink } from "./transport/worker_link.ts";

export type { CloseOptions, MapOptions, PoolStats, RunOptions };

/**
 * A pool of Web Workers running the functions of one task module. Create it with
 * {@linkcode createPool}.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "./pool.ts";
 * const pool = createPool<typeof import("./tasks.ts")>(new URL("./tasks.ts", import.meta.url));
 * console.log(await pool.run("render", { title: "Hi" }));
 * await pool.close();
 * ```
 */
export class Pool<M = AnyTaskModule> {
  readonly #core: Scheduler;

  /**
   * @param spawn the transport that starts each worker (internal: Web Workers by default; the
   * process profile and tests plug in their own link, see `src/worker_link.ts`).
   */
  constructor(module: URL | string, options: PoolOptions = {}, spawn?: SpawnLink) {
    this.#core = new Scheduler(module, options, spawn);
  }

  /** The task module every worker imports. */
  get moduleUrl(): string {
    return this.#core.moduleUrl;
  }

  /** The options in force, defaults applied, with `sizeReason` saying why `maxWorkers` is what it is. */
  get options(): ResolvedPoolOptions {
    return this.#core.options;
  }

  /** Tasks waiting (queued, or waiting for room with `onFull: "wait"`). */
  get queueSize(): number {
    return this.#core.queueSize;
  }

  /** Live workers, starting ones included. */
  get workerCount(): number {
    return this.#core.workerCount;
  }

  /** The adaptive controller's decisions so far, with their reasons (empty without autotune). */
  get decisions(): readonly Decision[] {
    return this.#core.decisions;
  }

  /**
   * Adds a listener for a pool event (`taskQueued`, `taskStarted`, `taskFinished`, `taskFailed`,
   * `workerSpawned`, `workerExited`); returns a function that removes it.
   */
  on<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): () => void {
    return this.#core.on(name, listener);
  }

  /**
   * Runs task `name` with `input` in a worker and resolves with its result.
   *
   * Rejects with `TaskError` (the original name, message and stack) when the task throws,
   * `QueueFullError` when the queue is full and `onFull` is "reject", `TimeoutError`, the signal's
   * `AbortError`, `WorkerCrashedError`, `PoolClosedError`, or a `TypeError`/`RangeError` naming a
   * bad option or an input that cannot be sent.
   */
  run<K extends TaskName<M>>(
    name: K,
    input: TaskInput<M, K>,
    options: RunOptions = {},
  ): Promise<TaskResult<M, K>> {
    return this.#core.run(name, input, options) as Promise<TaskResult<M, K>>;
  }

  /**
   * Runs task `name` over every input and resolves with the results in input order. Heavier
   * inputs (by `weight`) are queued first; a batch whose measured or estimated work is below
   * the profile's `minWorkEstimate` runs inline (see `MapOptions.inline` and `estimateMs`).
   * Respects backpressure: it feeds the queue as room frees up. On the first failure it rejects
   * and cancels the tasks not yet finished.
   */
  map<K extends TaskName<M>>(
    name: K,
    inputs: Iterable<TaskInput<M, K>>,
    options: MapOptions<TaskInput<M, K>> = {},
  ): Promise<TaskResult<M, K>[]> {
    const core = this.#core;
    const { workload, environment } = core.options;
    const host = {
      run: (n: string, input: unknown, o: RunOptions) => core.run(n, input, o),
      whenRoom: () => core.whenRoom(),
      isSmallBatch: (n: string, count: number, estimateMs: number | undefined) => {
        const each = estimateMs ?? core.runTimes.mean(n);
        // A name never measured counts as heavy: guessing light would block this thread.
        if (each < 0) return false;
        return !shouldParallelize(count, { workEstimateMs: each * count, workload, environment });
      },
      ranInline: (n: string, runMs: number) => core.runTimes.record(n, 1, runMs),
      inlineRunner: () => core.inlineRunner(),
    };
    return mapTasks(host, name, inputs, options) as Promise<TaskResult<M, K>[]>;
  }

  /** Resolves when the queue has room for one more task (at once if it has). */
  whenRoom(): Promise<void> {
    return this.#core.whenRoom();
  }

  /**
   * Stops taking tasks, lets queued and running ones finish, then ends every worker. With
   * `timeoutMs`, what is left at the deadline is cancelled with `PoolClosedError`.
   */
  close(options: CloseOptions = {}): Promise<void> {
    return this.#core.close(options);
  }

  /** Ends the pool now: queued and running tasks reject with `PoolClosedError`. */
  closeNow(): Promise<void> {
    return this.#core.closeNow();
  }

  /**
   * Sets the worker count and the async lane's per-worker concurrency (the adaptive controller
   * calls it; so may you, with `autotune: false`). Surplus workers retire when idle.
   */
  resize(workers: number, concurrency?: number): void {
    this.#core.resize(workers, concurrency);
  }

  /** Counters now: workers, busy workers, queue, in flight, concurrency, totals, fast-path hand-offs. */
  stats(): PoolStats {
    return this.#core.monitor.stats();
  }

  /**
   * A snapshot of what the pool did: throughput, utilisation, per-task wait/run/busy times and
   * W/C, per-stage and per-worker totals, and the controller's recent decisions. Feed it to
   * `formatReport`, `findBottlenecks`, `checkSla` or `exportRun`.
   */
  metrics(): MetricsSnapshot {
    return this.#core.monitor.snapshot(performance.now());
  }

  /** Each worker's state, current task and how long it has run, tasks done. */
  diagnostics(): PoolDiagnostics {
    return this.#core.monitor.diagnostics(performance.now());
  }

  /** Times the hand-off of payloads to a worker and back by size: clone, transfer, shared memory. */
  probeHandoff(options: HandoffProbeOptions = {}): Promise<HandoffRow[]> {
    return this.#core.probeHandoff(options);
  }
}

/**
 * Creates a pool for the task module at `module` (an absolute URL or file path; every worker
 * imports it).
 * Sized from the workload profile for the detected machine and environment unless told otherwise,
 * and tuned while it runs (see `PoolOptions.autotune`).
 *
 * @example
 * ```ts ignore
 * import { createPool } from "./pool.ts";
 * const pool = createPool<typeof import("./tasks.ts")>(new URL("./tasks.ts", import.meta.url), { workload: "cpu" });
 * const html = await pool.run("render", { title: "Hi" }, { priority: 0, timeoutMs: 2000 });
 * await pool.close();
 * ```
 */
export function createPool<M = AnyTaskModule>(
  module: URL | string,
  options: PoolOptions = {},
): Pool<M> {
  return new Pool<M>(module, options);
}
