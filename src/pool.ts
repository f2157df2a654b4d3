/**
 * The pool as users see it: `createPool` and the typed `Pool`, whose call sites are checked
 * against the task module's own types. The pool owns the engine's parts (admission, the ready
 * queues, dispatch, the worker set, the settler, the drain) and calls them downward; results come
 * back up one path: a worker's link → `WorkerReports` → `TaskSettler` → the task's promise.
 *
 * @module
 */
import { Admission, type Call } from "./engine/admission.ts";
import { Autotuner } from "./tuning/autotuner.ts";
import { Room } from "./engine/backpressure.ts";
import { CANCEL_HOOK } from "./engine/cancel_hook.ts";
import { checkCloseOptions, type CloseOptions, Closing } from "./engine/closing.ts";
import type { Decision } from "./tuning/controller_state.ts";
import { defaultSpawn } from "./transport/default_spawn.ts";
import type { PoolDiagnostics } from "./report/diagnostics.ts";
import { Dispatcher } from "./engine/dispatcher.ts";
import { Drain } from "./engine/drain.ts";
import type { HandoffProbeOptions, HandoffRow } from "./report/handoff_probe.ts";
import { InlineDispatch } from "./engine/inline_dispatch.ts";
import { InlineRunner } from "./engine/inline_runner.ts";
import { LaneQueues, LaneTable } from "./engine/lane_queues.ts";
import { type MapOptions, type MapParts, mapTasks } from "./engine/map_tasks.ts";
import { MetricsRecorder } from "./metrics/metrics_recorder.ts";
import type { MetricsSnapshot } from "./metrics/metrics_snapshot.ts";
import { PoolClosedError } from "./errors.ts";
import { type PoolEventMap, type PoolEventName, PoolEvents } from "./engine/pool_events.ts";
import { PoolMonitor, type PoolStats, probeWorkerHandoff } from "./engine/pool_monitor.ts";
import {
  poolControllerOptions,
  type PoolOptions,
  type ResolvedPoolOptions,
  resolvePoolOptions,
} from "./engine/pool_options.ts";
import { PoolTunable } from "./engine/pool_tunable.ts";
import { createProcessSpawner } from "./transport/process_link.ts";
import { NO_OPTIONS, type RunOptions } from "./engine/run_options.ts";
import { RunTimes } from "./engine/dispatch_plan.ts";
import { resolveModuleUrl } from "./engine/task_input.ts";
import type {
  AnyTaskModule,
  StreamChunk,
  StreamReturn,
  TaskInput,
  TaskName,
  TaskResult,
} from "./engine/task_types.ts";
import { checkStreamOptions, type StreamOptions, TaskStream } from "./engine/task_stream.ts";
import { TaskSettler } from "./engine/task_settler.ts";
import { WorkerReports } from "./engine/worker_reports.ts";
import { WorkerSet } from "./engine/worker_set.ts";
import type { SpawnLink } from "./transport/worker_link.ts";

export type { Call, CloseOptions, MapOptions, PoolStats, RunOptions, StreamOptions, TaskStream };

/**
 * One call of {@linkcode Pool.runMany}: a task name of the module, its input and its options,
 * checked as `run()`'s arguments are.
 */
export type ManyCall<M> = {
  [K in TaskName<M>]: { name: K; input: TaskInput<M, K>; options?: RunOptions };
}[TaskName<M>];

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
  /** The task module every worker imports. */
  readonly moduleUrl: string;
  /** The options in force, defaults applied, with `sizeReason` saying why `maxWorkers` is what it is. */
  readonly options: ResolvedPoolOptions;
  /**
   * Internal: the pool honours a cancel hook in a call's options, which the job runner uses
   * instead of a signal per job (see `src/engine/cancel_hook.ts`).
   */
  readonly [CANCEL_HOOK] = true;
  readonly #events = new PoolEvents();
  readonly #closing = new Closing();
  readonly #workers: WorkerSet;
  readonly #room: Room;
  readonly #admission: Admission;
  readonly #dispatch: Dispatcher | InlineDispatch;
  readonly #drain: Drain;
  readonly #monitor: PoolMonitor;
  readonly #tuner: Autotuner | undefined;
  readonly #map: MapParts;

  /**
   * @param spawn the transport that starts each worker (internal: Web Workers by default; the
   * process profile and tests plug in their own link, see `src/transport/worker_link.ts`).
   */
  constructor(module: URL | string, options: PoolOptions = {}, spawn?: SpawnLink) {
    const moduleUrl = this.moduleUrl = resolveModuleUrl(module);
    const o = this.options = resolvePoolOptions(options);
    spawn ??= o.isolation === "process" ? createProcessSpawner(o.process) : defaultSpawn;
    const inline = o.mode === "inline";
    const [events, closing] = [this.#events, this.#closing];
    const recorder = new MetricsRecorder(performance.now());
    const queues = new LaneQueues(recorder, events);
    const room = this.#room = new Room(o.maxQueue, queues);
    const settler = new TaskSettler(recorder, events, inline);
    const workers = this.#workers = new WorkerSet(moduleUrl, spawn, o, { events, recorder });
    const runTimes = new RunTimes();
    const runner = new InlineRunner(moduleUrl);
    // Before anything is measured, a pool made for concurrent work puts every task in the async lane.
    const lanes = new LaneTable(o.lanes, o.concurrency > 1 ? "async" : "worker");
    const parts = { closing, queues, room, settler, workers };
    // Built bottom-up, each part handed the parts it calls: nothing calls back into the pool.
    let dispatch: Dispatcher | InlineDispatch;
    let dispatcher: Dispatcher | undefined;
    let drain: Drain | undefined;
    if (inline) {
      drain = new Drain({ ...parts, inline: runner });
      dispatch = new InlineDispatch({ ...parts, runner, drain });
    } else {
      const { maxTasksPerWorker } = o;
      dispatch = dispatcher = new Dispatcher({ ...parts, events, runTimes, maxTasksPerWorker });
    }
    const monitor = new PoolMonitor({ ...parts, recorder, dispatch, cores: o.cores });
    if (!inline && o.autotune) {
      const tunable = new PoolTunable({ monitor, lanes, queues, workers, dispatch });
      this.#tuner = new Autotuner(tunable, o.cores, poolControllerOptions(o));
    }
    drain ??= new Drain({ ...parts, dispatch: dispatcher, tuner: this.#tuner });
    const tuner = this.#tuner;
    this.#admission = new Admission({ ...parts, lanes, dispatch, drain, tuner, onFull: o.onFull });
    const reports = { moduleUrl, dispatcher: dispatch, runTimes, drain };
    workers.reportTo(new WorkerReports({ ...parts, ...reports }));
    [this.#dispatch, this.#drain, this.#monitor] = [dispatch, drain, monitor];
    const { workload, environment } = o;
    this.#map = { admission: this.#admission, runTimes, runner, workload, environment };
  }

  /** Tasks waiting (queued, or waiting for room with `onFull: "wait"`). */
  get queueSize(): number {
    return this.#monitor.queueSize;
  }

  /** Live workers, starting ones included. */
  get workerCount(): number {
    return this.#workers.list.length;
  }

  /** The adaptive controller's decisions so far, with their reasons (empty without autotune). */
  get decisions(): readonly Decision[] {
    return this.#tuner?.decisions ?? [];
  }

  /**
   * Adds a listener for a pool event (`taskQueued`, `taskStarted`, `taskFinished`, `taskFailed`,
   * `workerSpawned`, `workerExited`); returns a function that removes it.
   */
  on<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): () => void {
    return this.#events.on(name, listener);
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
    options: RunOptions = NO_OPTIONS,
  ): Promise<TaskResult<M, K>> {
    return this.#admission.run(name, input, options) as Promise<TaskResult<M, K>>;
  }

  /**
   * Runs generator task `name` (an `async function*` or `function*` of the module) in a worker
   * and returns its chunks as an async iterable, in order; the generator's return value is the
   * returned object's `result` promise. Backpressure: the worker runs at most `options.window`
   * chunks (16 by default) ahead of your loop, then pauses until you read. Leaving the loop early
   * cancels the task (its `ctx.signal` aborts, the generator's `finally` blocks run, and `result`
   * rejects with `AbortError`). An error thrown mid-stream reaches the loop after the chunks
   * before it, as the errors of `run()` do. Options are `run()`'s and `window`, without `retries`.
   *
   * @example
   * ```ts ignore
   * const words = pool.stream("words", "a b c", { window: 8 });
   * for await (const word of words) console.log(word);
   * console.log(await words.result);
   * ```
   */
  stream<K extends TaskName<M>>(
    name: K,
    input: TaskInput<M, K>,
    options: StreamOptions = {},
  ): TaskStream<StreamChunk<M, K>, StreamReturn<M, K>> {
    let window = 1;
    let run: RunOptions = {};
    let refused: unknown;
    try {
      ({ window, run } = checkStreamOptions(name, options));
      if (this.options.mode === "inline") {
        throw new TypeError(`Cannot stream task '${name}' as the pool's 'mode' is "inline"`);
      }
    } catch (error) {
      refused = error;
    }
    return new TaskStream(window, run.signal, (stream) => {
      if (refused !== undefined) return Promise.reject(refused);
      return this.#admission.run(name, input, { ...run, signal: stream.signal }, stream);
    });
  }

  /**
   * Hands the pool many calls at once, each with its own options (signal, timeout, priority …)
   * and its own promise, in the order given: they are queued together and leave in one dispatch
   * turn, one message per worker. Each promise settles as `run()`'s would; calls beyond the
   * queue's room follow `onFull`, so hand off at most `options.maxQueue - queueSize` calls to
   * have none refused or held.
   *
   * @example
   * ```ts ignore
   * const [a, b] = pool.runMany([
   *   { name: "render", input: { title: "A" } },
   *   { name: "render", input: { title: "B" }, options: { timeoutMs: 2000 } },
   * ]);
   * console.log(await a, await b);
   * ```
   */
  runMany(calls: Iterable<ManyCall<M>>): Promise<unknown>[] {
    return this.#admission.runAll(calls);
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
    return mapTasks(this.#map, name, inputs, options) as Promise<TaskResult<M, K>[]>;
  }

  /** Resolves when the queue has room for one more task (at once if it has). */
  whenRoom(): Promise<void> {
    return this.#admission.whenRoom();
  }

  /**
   * Stops taking tasks, lets queued and running ones finish, then ends every worker. With
   * `timeoutMs`, what is left at the deadline is cancelled with `PoolClosedError`.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const { timeoutMs } = checkCloseOptions(options);
    const done = this.#closing.wait();
    const deadline = (ms: number) =>
      this.#drain.shutdown(`the close deadline of ${ms} ms passed before the task finished`);
    // Callers of whenRoom() must not wait for room that will never come.
    if (this.#closing.begin(timeoutMs, deadline)) this.#room.release();
    this.#drain.maybeFinish();
    return done.then(() => this.#workers.allGone());
  }

  /** Ends the pool now: queued and running tasks reject with `PoolClosedError`. */
  closeNow(): Promise<void> {
    if (this.#closing.state !== "closed") {
      this.#drain.shutdown("the pool was closed with closeNow()");
    }
    return this.#workers.allGone();
  }

  /**
   * Sets the worker count and the async lane's per-worker concurrency (the adaptive controller
   * calls it; so may you, with `autotune: false`). Surplus workers retire when idle.
   */
  resize(workers: number, concurrency: number = this.#workers.concurrency): void {
    this.#workers.resize(workers, concurrency);
    this.#dispatch.schedule(); // a busy retiring worker's replacement may start now
  }

  /** Counters now: workers, busy workers, queue, in flight, concurrency, totals, fast-path hand-offs. */
  stats(): PoolStats {
    return this.#monitor.stats();
  }

  /**
   * A snapshot of what the pool did: throughput, utilisation, per-task wait/run/busy times and
   * W/C, per-stage and per-worker totals, and the controller's recent decisions. Feed it to
   * `formatReport`, `findBottlenecks`, `checkSla` or `exportRun`.
   */
  metrics(): MetricsSnapshot {
    return this.#monitor.snapshot(performance.now(), this.decisions);
  }

  /** Each worker's state, current task and how long it has run, tasks done. */
  diagnostics(): PoolDiagnostics {
    return this.#monitor.diagnostics(performance.now());
  }

  /** Times the hand-off of payloads to a worker and back by size: clone, transfer, shared memory. */
  probeHandoff(options: HandoffProbeOptions = {}): Promise<HandoffRow[]> {
    if (this.#closing.state !== "open") {
      return Promise.reject(new PoolClosedError("Cannot probe the hand-off as the pool is closed"));
    }
    const w = this.#workers.list.find((x) => x.state === "ready") ?? this.#workers.spawn();
    return probeWorkerHandoff(w, options);
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
