/**
 * The worker pool: bounded priority queues (one per lane) in front of Web Workers that each import
 * the task module. `run()` queues a task; one dispatch per event-loop turn hands every queued task
 * that fits to the least-busy workers, one message per worker, so tiny tasks cost a fraction of a
 * message each. Workers send results back in batches the same way.
 *
 * @module
 */
import { Autotuner, type Tunable } from "./autotuner.ts";
import type { Lane } from "./controller_options.ts";
import type { Decision } from "./controller_state.ts";
import type { PoolDiagnostics } from "./diagnostics.ts";
import { Dispatcher } from "./dispatcher.ts";
import {
  abortError,
  PoolClosedError,
  QueueFullError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";
import type { HandoffProbeOptions, HandoffRow } from "./handoff_probe.ts";
import { probeWorkerHandoff, taskLoads, workerDiagnostics } from "./pool_inspection.ts";
import { newTask } from "./task_factory.ts";
import { InlineRunner } from "./inline_runner.ts";
import { ASYNC_LANE, laneIndex, type LaneIndex, LaneQueues, WORKER_LANE } from "./lane_queues.ts";
import { type MapOptions, mapTasks } from "./map_tasks.ts";
import { MetricsRecorder } from "./metrics_recorder.ts";
import type { MetricsSnapshot } from "./metrics_snapshot.ts";
import { type PoolEventMap, type PoolEventName, PoolEvents } from "./pool_events.ts";
import { type PoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from "./pool_options.ts";
import { type DoneBatch, type SerializedError, serializeError } from "./protocol.ts";
import type { RunOptions } from "./run_options.ts";
import { runtime } from "./runtime.ts";
import { shouldParallelize } from "./sizing.ts";
import type { Task } from "./task.ts";
import { cloneError, resolveModuleUrl } from "./task_input.ts";
import type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "./task_types.ts";
import { assertInteger } from "./validate.ts";
import type { WorkerEvents, WorkerHandle } from "./worker_handle.ts";
import { WorkerSet } from "./worker_set.ts";

export type { MapOptions, RunOptions };

/** Options of `close()`. */
export interface CloseOptions {
  /** Stop waiting for the drain after this long and cancel the rest. @default {no deadline} */
  timeoutMs?: number;
}

/** Counters of a pool at one moment. */
export interface PoolStats {
  workers: number;
  busyWorkers: number;
  queueDepth: number;
  inFlight: number;
  concurrency: number;
  targetWorkers: number;
  completed: number;
  failed: number;
  busyMs: number;
}

type State = "open" | "closing" | "closed";

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
  /** The options in force, defaults applied. */
  readonly options: ResolvedPoolOptions;
  #state: State = "open";
  #queues = new LaneQueues();
  #roomWaiters: Task[] = [];
  #roomResolvers: (() => void)[] = [];
  #set: WorkerSet;
  #events = new PoolEvents();
  #recorder = new MetricsRecorder(performance.now());
  #tuner: Autotuner | undefined;
  #nextTaskId = 1;
  #dispatcher: Dispatcher;
  #targetWorkers: number;
  #concurrency: number;
  #routes = new Map<string, LaneIndex>();
  #pinned: Map<string, LaneIndex>;
  #defaultLane: LaneIndex;
  #graceTimers = new Set<ReturnType<typeof setTimeout>>();
  #closeWaiters: (() => void)[] = [];
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #inline: InlineRunner | undefined;
  #inlineBusy = false;
  #completed = 0;
  #failed = 0;
  #busyMs = 0;

  constructor(module: URL | string, options: PoolOptions = {}) {
    this.moduleUrl = resolveModuleUrl(module);
    this.options = resolvePoolOptions(options);
    this.#targetWorkers = this.options.maxWorkers;
    this.#concurrency = this.options.concurrency;
    // Before anything is measured, a pool made for concurrent work puts every task in the async lane.
    this.#defaultLane = this.options.concurrency > 1 ? ASYNC_LANE : WORKER_LANE;
    this.#pinned = new Map(Object.entries(this.options.lanes).map(([k, v]) => [k, laneIndex(v)]));
    if (this.options.mode === "inline") this.#inline = new InlineRunner(this.moduleUrl);
    else if (this.options.autotune) {
      this.#tuner = new Autotuner(this.#tunable(), this.options.cores, {
        minWorkers: Math.max(1, this.options.minWorkers),
        maxWorkers: this.options.maxWorkers,
        pinnedLanes: this.options.lanes,
        ...this.options.autotune,
      });
    }
    const workerEvents: WorkerEvents = {
      ready: () => this.#scheduleFlush(),
      initError: (w, e) => this.#onInitError(w, e),
      results: (w, r) => this.#onResults(w, r),
      progress: (w, id, value) => w.inFlight.get(id)?.onProgress?.(value),
      exited: (w, reason) => this.#onWorkerExited(w, reason),
    };
    this.#set = new WorkerSet(this.moduleUrl, workerEvents, {
      spawned: (w) => {
        if (this.#events.has("workerSpawned")) this.#events.emit("workerSpawned", { workerId: w.id });
      },
      removed: (w, reason) => {
        this.#recorder.workerRetired(w.id);
        if (this.#events.has("workerExited")) this.#events.emit("workerExited", { workerId: w.id, reason });
      },
    }, this.options);
    this.#dispatcher = new Dispatcher({
      queues: this.#queues,
      workers: this.#set,
      maxTasksPerWorker: this.options.maxTasksPerWorker,
      targetWorkers: () => this.#targetWorkers,
      concurrency: () => this.#concurrency,
      intercept: () => {
        if (this.#state === "closed") return true;
        if (this.options.mode !== "inline") return false;
        this.#pumpInline();
        return true;
      },
      spawn: () => this.#spawn(),
      started: (batch, w, now) => this.#started(batch, w, now),
      unsendable: (task, error) => this.#settle(task, false, cloneError(task.name, error)),
      afterTurn: () => this.#admitWaiters(),
    });
  }

  /** Tasks waiting (queued, or waiting for room with `onFull: "wait"`). */
  get queueSize(): number {
    return this.#queues.size + this.#roomWaiters.length;
  }

  /** Live workers, starting ones included. */
  get workerCount(): number {
    return this.#set.list.length;
  }

  /** The adaptive controller's decisions so far, with their reasons (empty without autotune). */
  get decisions(): readonly Decision[] {
    return this.#tuner?.decisions ?? [];
  }

  /** Adds a listener for a pool event; returns a function that removes it. */
  on<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /**
   * Runs task `name` with `input` in a worker and resolves with its result.
   *
   * Rejects with `TaskError` (the original name, message and stack) when the task throws,
   * `QueueFullError` when the queue is full and `onFull` is "reject", `TimeoutError`,
   * the signal's `AbortError`, `WorkerCrashedError` or `PoolClosedError`.
   */
  run<K extends TaskName<M>>(
    name: K,
    input: TaskInput<M, K>,
    options: RunOptions = {},
  ): Promise<TaskResult<M, K>> {
    return new Promise((resolve, reject) => {
      if (this.#state !== "open") {
        reject(new PoolClosedError(`Cannot run task '${name}' as the pool is ${this.#state}`));
        return;
      }
      const task = this.#createTask(name, input, options, resolve as (v: unknown) => void, reject);
      if (task === undefined) return;
      if (this.#queues.size >= this.options.maxQueue) {
        if (this.options.onFull === "reject") {
          this.#settle(task, false, new QueueFullError(this.options.maxQueue));
          return;
        }
        this.#roomWaiters.push(task);
      } else {
        this.#enqueue(task);
      }
    });
  }

  /**
   * Runs task `name` over every input and resolves with the results in input order. Heavier
   * inputs (by `weight`) are queued first; small batches run inline (see `MapOptions.inline`).
   * Respects backpressure: it feeds the queue as room frees up. On the first failure it rejects
   * and cancels the tasks not yet finished.
   */
  map<K extends TaskName<M>>(
    name: K,
    inputs: Iterable<TaskInput<M, K>>,
    options: MapOptions<TaskInput<M, K>> = {},
  ): Promise<TaskResult<M, K>[]> {
    return mapTasks(
      {
        run: (n, input, o) => this.run(n as K, input as TaskInput<M, K>, o),
        whenRoom: () => this.whenRoom(),
        isSmallBatch: (count) =>
          !shouldParallelize(count, { workload: this.options.workload, environment: this.options.environment }),
        inlineRunner: () => (this.#inline ??= new InlineRunner(this.moduleUrl)),
      },
      name,
      inputs,
      options,
    ) as Promise<TaskResult<M, K>[]>;
  }

  /** Resolves when the queue has room for one more task (at once if it has). */
  whenRoom(): Promise<void> {
    if (this.#queues.size < this.options.maxQueue || this.#state !== "open") return Promise.resolve();
    return new Promise((resolve) => this.#roomResolvers.push(resolve));
  }

  /**
   * Stops taking tasks, lets queued and running ones finish, then ends every worker. With
   * `timeoutMs`, what is left at the deadline is cancelled with `PoolClosedError`.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (options.timeoutMs !== undefined) {
      assertInteger("close pool", "timeoutMs", options.timeoutMs, { min: 0 });
    }
    if (this.#state === "closed") return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    if (this.#state === "open") {
      this.#state = "closing";
      this.#releaseRoomResolvers();
      if (options.timeoutMs !== undefined) {
        this.#closeTimer = setTimeout(
          () => this.#shutdown(`the close deadline of ${options.timeoutMs} ms passed before the task finished`),
          options.timeoutMs,
        );
      }
    }
    this.#maybeFinishClose();
    return done;
  }

  /** Ends the pool now: queued and running tasks reject with `PoolClosedError`. */
  closeNow(): Promise<void> {
    if (this.#state !== "closed") this.#shutdown("the pool was closed with closeNow()");
    return Promise.resolve();
  }

  /**
   * Sets the worker count and the async lane's per-worker concurrency (the adaptive controller
   * calls it; so may you, with `autotune: false`). Surplus idle workers retire at once, busy ones
   * when they next go idle.
   */
  resize(workers: number, concurrency: number = this.#concurrency): void {
    assertInteger("resize pool", "workers", workers, { min: 1 });
    assertInteger("resize pool", "concurrency", concurrency, { min: 1, max: 2048 });
    this.#targetWorkers = workers;
    if (concurrency !== this.#concurrency) {
      this.#concurrency = concurrency;
      for (const w of this.#set.list) w.setConcurrency(concurrency);
    }
    let surplus = this.#set.live - workers;
    for (const w of [...this.#set.list]) {
      if (surplus <= 0) break;
      if (w.state !== "retiring" && w.state !== "exited") {
        this.#retire(w, "the pool shrank");
        surplus--;
      }
    }
    this.#scheduleFlush();
  }

  /** Counters now: workers, busy workers, queue, in flight, totals. */
  stats(): PoolStats {
    let busyWorkers = 0;
    let inFlight = 0;
    for (const w of this.#set.list) {
      if (w.inFlight.size > 0) busyWorkers++;
      inFlight += w.inFlight.size;
    }
    return {
      workers: this.#set.list.length,
      busyWorkers,
      queueDepth: this.queueSize,
      inFlight,
      concurrency: this.#concurrency,
      targetWorkers: this.#targetWorkers,
      completed: this.#completed,
      failed: this.#failed,
      busyMs: this.#busyMs,
    };
  }

  /**
   * A snapshot of what the pool did: throughput, utilisation, per-task wait/run/busy times and
   * W/C, per-stage and per-worker totals, and the controller's recent decisions. Feed it to
   * `formatReport`, `findBottlenecks`, `checkSla` or `exportRun`.
   */
  metrics(): MetricsSnapshot {
    return this.#snapshot(performance.now());
  }

  /** Each worker's state, current task and how long it has run, tasks done, memory. */
  diagnostics(): PoolDiagnostics {
    const now = performance.now();
    return {
      at: now,
      runtime: `${runtime.key} ${runtime.version}`,
      queueDepth: this.queueSize,
      inFlight: this.stats().inFlight,
      workers: this.#set.list.map((w) => workerDiagnostics(w, now)),
    };
  }

  /**
   * Measures the hand-off of payloads to a worker and back by size: structured clone, transfer,
   * and shared memory.
   */
  probeHandoff(options: HandoffProbeOptions = {}): Promise<HandoffRow[]> {
    if (this.#state !== "open") {
      return Promise.reject(new PoolClosedError("Cannot probe the hand-off as the pool is closed"));
    }
    return probeWorkerHandoff(this.#set.list.find((x) => x.state === "ready") ?? this.#spawn(), options);
  }

  // ——— tasks ———

  #createTask(
    name: string,
    input: unknown,
    options: RunOptions,
    resolve: (v: unknown) => void,
    reject: (e: unknown) => void,
  ): Task | undefined {
    let task: Task;
    try {
      const lane = this.#pinned.get(name) ?? this.#routes.get(name) ?? this.#defaultLane;
      task = newTask(this.#nextTaskId++, name, input, options, lane, resolve, reject);
    } catch (error) {
      reject(error);
      return undefined;
    }
    const { signal, timeoutMs } = task;
    if (signal?.aborted) {
      reject(abortError(signal));
      return undefined;
    }
    if (timeoutMs !== undefined) {
      task.timer = setTimeout(() => this.#cancel(task, new TimeoutError(name, timeoutMs)), timeoutMs);
    }
    if (signal) {
      task.onAbort = () => this.#cancel(task, abortError(signal));
      signal.addEventListener("abort", task.onAbort, { once: true });
    }
    return task;
  }

  #enqueue(task: Task): void {
    this.#queues.push(task);
    this.#recorder.taskQueued(task.name, task.queuedAt);
    if (this.#events.has("taskQueued")) {
      this.#events.emit("taskQueued", { id: task.id, name: task.name, priority: task.priority });
    }
    this.#tuner?.wake();
    this.#scheduleFlush();
  }

  #settle(task: Task, ok: boolean, value: unknown, busyMs = 0, runMs = -1): void {
    if (task.settled) return;
    task.settled = true;
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener("abort", task.onAbort);
    const now = performance.now();
    const waitMs = task.sentAt ? task.sentAt - task.queuedAt : now - task.queuedAt;
    if (runMs < 0) runMs = task.sentAt ? now - task.sentAt : 0;
    this.#recorder.taskFinished({
      name: task.name,
      stage: task.stage,
      waitMs,
      runMs,
      busyMs,
      ok,
      now,
      workerId: task.worker?.id,
      lane: this.#inline && this.options.mode === "inline" ? "inline" : task.lane === ASYNC_LANE ? "async" : "worker",
    });
    if (ok) {
      this.#completed++;
      task.resolve(value);
      if (this.#events.has("taskFinished")) {
        const workerId = task.worker?.id ?? 0;
        this.#events.emit("taskFinished", { id: task.id, name: task.name, workerId, waitMs, runMs, busyMs });
      }
    } else {
      this.#failed++;
      task.reject(value);
      if (this.#events.has("taskFailed")) {
        this.#events.emit("taskFailed", { id: task.id, name: task.name, error: value });
      }
    }
  }

  /** Cancels a task wherever it is: waiting for room, queued, or in a worker. */
  #cancel(task: Task, error: Error): void {
    if (task.settled) return;
    const w = task.worker;
    if (w === null) {
      if (!this.#queues.remove(task)) {
        const i = this.#roomWaiters.indexOf(task);
        if (i >= 0) this.#roomWaiters.splice(i, 1);
      }
      this.#settle(task, false, error);
      this.#admitWaiters();
      this.#maybeFinishClose();
      return;
    }
    this.#settle(task, false, error);
    w.cancel(task, serializeError(error));
    // A task that ignores cancellation would hold its worker forever: after the grace period,
    // replace the worker. (On Deno a thread spinning in a loop survives terminate(); see README.)
    const timer = setTimeout(() => {
      this.#graceTimers.delete(timer);
      // A task still waiting in the worker (behind a busy task, or in a worker still starting)
      // will see its cancelled flag when its turn comes and never run: killing the worker then
      // would only fail the innocent task running there.
      if (task.worker === w && w.inFlight.has(task.id) && w.started(task)) {
        this.#kill(w, `task '${task.name}' did not stop within ${this.options.cancelGraceMs} ms of being cancelled`);
      }
    }, this.options.cancelGraceMs);
    this.#graceTimers.add(timer);
  }

  // ——— dispatch ———

  #scheduleFlush(): void {
    this.#dispatcher.schedule();
  }

  #started(batch: Task[], w: WorkerHandle, now: number): void {
    if (this.#events.has("taskStarted")) {
      for (const t of batch) {
        this.#events.emit("taskStarted", { id: t.id, name: t.name, workerId: w.id, waitMs: now - t.queuedAt });
      }
    }
    if (this.options.maxTasksPerWorker > 0 && w.sent >= this.options.maxTasksPerWorker) {
      this.#retire(w, `recycled after ${w.sent} tasks (maxTasksPerWorker)`);
    }
  }

  #admitWaiters(): void {
    while (this.#roomWaiters.length > 0 && this.#queues.size < this.options.maxQueue) {
      this.#enqueue(this.#roomWaiters.shift()!);
    }
    if (this.#queues.size < this.options.maxQueue) this.#releaseRoomResolvers();
  }

  #releaseRoomResolvers(): void {
    const resolvers = this.#roomResolvers;
    this.#roomResolvers = [];
    for (const r of resolvers) r();
  }

  #pumpInline(): void {
    if (this.#inlineBusy) return;
    const task = this.#queues.lanes[WORKER_LANE].shift() ?? this.#queues.lanes[ASYNC_LANE].shift();
    if (!task) {
      this.#admitWaiters();
      this.#maybeFinishClose();
      return;
    }
    this.#inlineBusy = true;
    task.sentAt = performance.now();
    const controller = new AbortController();
    const cancel = () => controller.abort(task.signal?.reason);
    task.signal?.addEventListener("abort", cancel, { once: true });
    this.#inline!.execute(task.name, task.input, controller.signal, (v) => task.onProgress?.(v)).then((out) => {
      task.signal?.removeEventListener("abort", cancel);
      this.#inlineBusy = false;
      this.#settle(task, out.ok, out.value, out.busyMs, out.runMs);
      this.#admitWaiters();
      this.#scheduleFlush();
      this.#maybeFinishClose();
    });
  }

  // ——— workers ———

  #spawn(): WorkerHandle {
    return this.#set.spawn(this.#concurrency);
  }

  #onResults(w: WorkerHandle, batch: DoneBatch): void {
    const { ids, failed, values, busy, run } = batch;
    const runSum = [0, 0];
    const counted = [0, 0];
    let f = 0;
    for (let i = 0; i < ids.length; i++) {
      const task = w.inFlight.get(ids[i]);
      const isError = failed !== null && failed[f] === i;
      if (isError) f++;
      if (task === undefined) continue;
      w.release(task);
      w.completed++;
      w.busyMs += busy[i];
      this.#busyMs += busy[i];
      runSum[task.lane] += run[i];
      counted[task.lane]++;
      task.worker = w; // for the metrics and events of #settle
      if (!isError) this.#settle(task, true, values[i], busy[i], run[i]);
      else this.#settle(task, false, new TaskError(task.name, values[i] as SerializedError), busy[i], run[i]);
      task.worker = null;
    }
    this.#dispatcher.recordRunTimes(WORKER_LANE, counted[WORKER_LANE], runSum[WORKER_LANE]);
    this.#dispatcher.recordRunTimes(ASYNC_LANE, counted[ASYNC_LANE], runSum[ASYNC_LANE]);
    if (w.inFlight.size === 0) {
      w.idleSince = performance.now();
      if (w.state === "retiring") this.#set.end(w, w.retireReason);
      else if (this.#state === "open") this.#set.armIdleTimer();
    }
    if (this.#queues.size > 0) this.#scheduleFlush();
    this.#maybeFinishClose();
  }

  #onInitError(w: WorkerHandle, error: SerializedError): void {
    const failure = new Error(`Cannot load the task module ${this.moduleUrl}: ${error.message}`, {
      cause: new TaskError("(module)", error),
    });
    const tasks = [...w.inFlight.values(), ...this.#queues.drain(), ...this.#roomWaiters.splice(0)];
    w.inFlight.clear();
    this.#set.end(w, `the task module failed to load: ${error.message}`);
    for (const task of tasks) this.#settle(task, false, failure);
    this.#releaseRoomResolvers();
    this.#maybeFinishClose();
  }

  #onWorkerExited(w: WorkerHandle, reason: string): void {
    const requeue: Task[] = [];
    for (const task of w.inFlight.values()) {
      if (task.settled) continue;
      // A task that never started is safe to run elsewhere; one that started may have had
      // effects, so it runs again only when the caller asked for retries.
      if (!w.started(task)) requeue.push(task);
      else if (task.retriesLeft > 0) {
        task.retriesLeft--;
        requeue.push(task);
      } else this.#settle(task, false, new WorkerCrashedError(task.name, reason));
    }
    w.inFlight.clear();
    this.#set.remove(w, reason);
    for (let i = requeue.length - 1; i >= 0; i--) {
      const task = requeue[i];
      task.worker = null;
      task.sentAt = 0;
      this.#queues.unshift(task);
    }
    // A replacement starts when there is work for it (the flush spawns it), not before.
    if (this.#state !== "closed") this.#scheduleFlush();
    this.#maybeFinishClose();
  }

  /** Terminates a worker whose task will not stop; its other tasks are handled as in a crash. */
  #kill(w: WorkerHandle, reason: string): void {
    w.terminate();
    this.#onWorkerExited(w, reason);
  }

  #retire(w: WorkerHandle, reason: string): void {
    if (!this.#set.retire(w, reason)) this.#scheduleFlush(); // a replacement may start now
  }

  // ——— metrics and tuning ———

  #snapshot(now: number): MetricsSnapshot {
    const s = this.stats();
    return this.#recorder.snapshot(
      now,
      {
        workers: s.workers,
        busyWorkers: s.busyWorkers,
        idleWorkers: s.workers - s.busyWorkers,
        queueDepth: s.queueDepth,
        inFlight: s.inFlight,
        capacity: Math.max(1, this.#set.live),
      },
      this.decisions,
    );
  }

  #tunable(): Tunable {
    return {
      sample: (now: number) => {
        const s = this.stats();
        return {
          workers: this.#set.live,
          busyWorkers: s.busyWorkers,
          concurrency: this.#concurrency,
          inFlight: s.inFlight,
          queueDepth: s.queueDepth,
          completed: s.completed + s.failed,
          busyMs: s.busyMs,
          tasks: taskLoads(this.#snapshot(now)),
        };
      },
      apply: (target: { workers: number; concurrency: number }, lanes: Record<string, Lane>) => {
        for (const [name, lane] of Object.entries(lanes)) {
          const index = laneIndex(lane);
          if (this.#routes.get(name) === index) continue;
          this.#routes.set(name, index);
          // Tasks already queued follow their name, or a backlog would drain in the old lane.
          if (!this.#pinned.has(name)) this.#queues.reroute(name, index);
        }
        if (target.workers !== this.#targetWorkers || target.concurrency !== this.#concurrency) {
          this.resize(target.workers, target.concurrency);
        }
      },
      idle: () => this.#queues.size === 0 && this.#roomWaiters.length === 0 && this.stats().inFlight === 0,
    };
  }

  // ——— closing ———

  #maybeFinishClose(): void {
    if (this.#state !== "closing") return;
    if (this.#queues.size > 0 || this.#roomWaiters.length > 0 || this.#inlineBusy) return;
    for (const w of this.#set.list) if (w.inFlight.size > 0) return;
    this.#shutdown("");
  }

  #shutdown(reason: string): void {
    this.#state = "closed";
    const error = () => new PoolClosedError(`The pool was closed: ${reason}`);
    for (const task of [...this.#roomWaiters.splice(0), ...this.#queues.drain()]) this.#settle(task, false, error());
    for (const w of [...this.#set.list]) {
      for (const task of w.inFlight.values()) {
        const e = error();
        this.#settle(task, false, e);
        // Deno's terminate() cannot stop a thread spinning in a loop, and that thread keeps the
        // process alive: raise the cancelled flag first, so a task checking shouldStop() ends.
        w.cancel(task, serializeError(e));
      }
      w.inFlight.clear();
      this.#set.end(w, "the pool closed");
    }
    this.#tuner?.stop();
    this.#set.stop();
    clearTimeout(this.#closeTimer);
    this.#dispatcher.close();
    for (const t of this.#graceTimers) clearTimeout(t);
    this.#graceTimers.clear();
    this.#releaseRoomResolvers();
    for (const resolve of this.#closeWaiters.splice(0)) resolve();
  }
}

/**
 * Creates a pool for the task module at `module` (an absolute URL; every worker imports it).
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
export function createPool<M = AnyTaskModule>(module: URL | string, options: PoolOptions = {}): Pool<M> {
  return new Pool<M>(module, options);
}
