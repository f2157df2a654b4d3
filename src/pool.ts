/**
 * The worker pool: bounded priority queues (one per lane) in front of Web Workers that each import
 * the task module. `run()` queues a task; one dispatch per event-loop turn hands every queued task
 * that fits to the least-busy workers, one message per worker, so tiny tasks cost a fraction of a
 * message each. Workers send results back in batches the same way.
 *
 * @module
 */
import { Autotuner } from "./autotuner.ts";
import type { Lane } from "./controller_options.ts";
import type { Decision } from "./controller_state.ts";
import type { PoolDiagnostics } from "./diagnostics.ts";
import { planDispatch } from "./dispatch_plan.ts";
import {
  abortError,
  PoolClosedError,
  QueueFullError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";
import { type HandoffMode, type HandoffProbeOptions, type HandoffRow, probeHandoff } from "./handoff_probe.ts";
import { InlineRunner } from "./inline_runner.ts";
import { ASYNC_LANE, laneIndex, type LaneIndex, LaneQueues, WORKER_LANE } from "./lane_queues.ts";
import { type MapOptions, mapTasks } from "./map_tasks.ts";
import { MetricsRecorder } from "./metrics_recorder.ts";
import type { MetricsSnapshot } from "./metrics_snapshot.ts";
import { type PoolEventMap, type PoolEventName, PoolEvents } from "./pool_events.ts";
import { type PoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from "./pool_options.ts";
import { prefetchFor } from "./prefetch.ts";
import { type DoneBatch, type SerializedError, serializeError } from "./protocol.ts";
import type { RunOptions } from "./run_options.ts";
import { runtime } from "./runtime.ts";
import { shouldParallelize } from "./sizing.ts";
import type { Task } from "./task.ts";
import { checkCloneable, cloneError, resolveModuleUrl } from "./task_input.ts";
import type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "./task_types.ts";
import { assertInteger } from "./validate.ts";
import { WorkerHandle, type WorkerEvents } from "./worker_handle.ts";

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
  #workers: WorkerHandle[] = [];
  #events = new PoolEvents();
  #recorder = new MetricsRecorder(performance.now());
  #tuner: Autotuner | undefined;
  #lastSnapshot: MetricsSnapshot | undefined;
  #nextTaskId = 1;
  #nextWorkerId = 1;
  #flushQueued = false;
  #targetWorkers: number;
  #concurrency: number;
  #routes = new Map<string, LaneIndex>();
  #pinned: Map<string, LaneIndex>;
  #defaultLane: LaneIndex;
  /** Mean run time per lane over recent batches; negative until measured. */
  #meanRunMs: [number, number] = [-1, -1];
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimers = new Set<ReturnType<typeof setTimeout>>();
  #closeWaiters: (() => void)[] = [];
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #channel: MessageChannel | undefined;
  #inline: InlineRunner | undefined;
  #inlineBusy = false;
  #completed = 0;
  #failed = 0;
  #busyMs = 0;
  #workerEvents: WorkerEvents;

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
    this.#workerEvents = {
      ready: () => this.#scheduleFlush(),
      initError: (w, e) => this.#onInitError(w, e),
      results: (w, r) => this.#onResults(w, r),
      progress: (w, id, value) => w.inFlight.get(id)?.onProgress?.(value),
      exited: (w, reason) => this.#onWorkerExited(w, reason),
    };
  }

  /** Tasks waiting (queued, or waiting for room with `onFull: "wait"`). */
  get queueSize(): number {
    return this.#queues.size + this.#roomWaiters.length;
  }

  /** Live workers, starting ones included. */
  get workerCount(): number {
    return this.#workers.length;
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
      for (const w of this.#workers) w.setConcurrency(concurrency);
    }
    let surplus = this.#liveWorkers() - workers;
    for (const w of [...this.#workers]) {
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
    for (const w of this.#workers) {
      if (w.inFlight.size > 0) busyWorkers++;
      inFlight += w.inFlight.size;
    }
    return {
      workers: this.#workers.length,
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
    this.#lastSnapshot = this.#snapshot(performance.now());
    return this.#lastSnapshot;
  }

  /** Each worker's state, current task and how long it has run, tasks done, memory. */
  diagnostics(): PoolDiagnostics {
    const now = performance.now();
    return {
      at: now,
      runtime: `${runtime.key} ${runtime.version}`,
      queueDepth: this.queueSize,
      inFlight: this.stats().inFlight,
      workers: this.#workers.map((w) => {
        let oldest: Task | undefined;
        for (const t of w.inFlight.values()) if (w.started(t) && !oldest) oldest = t;
        return {
          id: w.id,
          state: w.state === "starting" || w.state === "retiring" || w.state === "exited"
            ? w.state
            : w.inFlight.size > 0
            ? "busy"
            : "idle",
          currentTask: oldest?.name ?? null,
          runningMs: oldest ? now - oldest.sentAt : null,
          tasksDone: w.completed,
          // Web Workers do not report their own heap to the parent.
          memoryBytes: null,
        };
      }),
    };
  }

  /**
   * Measures the hand-off of payloads to a worker and back by size: structured clone, transfer,
   * and shared memory.
   */
  async probeHandoff(options: HandoffProbeOptions = {}): Promise<HandoffRow[]> {
    if (this.#state !== "open") throw new PoolClosedError("Cannot probe the hand-off as the pool is closed");
    const w = this.#workers.find((x) => x.state === "ready") ?? this.#spawn();
    const send = (payload: ArrayBuffer | SharedArrayBuffer, mode: HandoffMode) =>
      new Promise<void>((resolve) => {
        w.onEcho = () => resolve();
        w.echo(payload, mode === "transfer" ? [payload as ArrayBuffer] : []);
      });
    try {
      return await probeHandoff(send, options);
    } finally {
      w.onEcho = undefined;
    }
  }

  // ——— tasks ———

  #createTask(
    name: string,
    input: unknown,
    options: RunOptions,
    resolve: (v: unknown) => void,
    reject: (e: unknown) => void,
  ): Task | undefined {
    const { priority = 0, timeoutMs, signal, transfer, retries = 0, onProgress, stage } = options;
    try {
      if (typeof name !== "string") {
        throw new TypeError(`Cannot run a task as 'name' must be a string: current value is ${String(name)}`);
      }
      if (typeof priority !== "number" || !Number.isFinite(priority)) {
        throw new RangeError(
          `Cannot run task '${name}' as 'priority' must be a finite number: current value is ${String(priority)}`,
        );
      }
      if (timeoutMs !== undefined) assertInteger(`run task '${name}'`, "timeoutMs", timeoutMs, { min: 1 });
      assertInteger(`run task '${name}'`, "retries", retries, { min: 0 });
      checkCloneable(name, input);
    } catch (error) {
      reject(error);
      return undefined;
    }
    if (signal?.aborted) {
      reject(abortError(signal));
      return undefined;
    }
    const task: Task = {
      id: this.#nextTaskId++,
      name,
      input,
      priority,
      lane: this.#pinned.get(name) ?? this.#routes.get(name) ?? this.#defaultLane,
      transfer,
      stage,
      onProgress,
      signal,
      timeoutMs,
      retriesLeft: retries,
      resolve,
      reject,
      queuedAt: performance.now(),
      sentAt: 0,
      worker: null,
      slot: -1,
      settled: false,
      timer: undefined,
      onAbort: undefined,
    };
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
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    if (this.#starving()) queueMicrotask(this.#flushBound);
    // Every worker is busy, so more tasks would only be prefetched: wait one macrotask so that
    // the results already on their way arrive first and the next batch is large. Dispatching in
    // a microtask here degenerates into many small messages (measured: ~9 tasks per message).
    else this.#macrotask();
  }

  #flushBound = () => this.#flush();

  // A message to ourselves is the cheapest macrotask on Deno and Bun: setTimeout(0) is clamped
  // to about 1 ms, which would cap throughput at one batch per millisecond.
  #macrotask(): void {
    if (!this.#channel) {
      this.#channel = new MessageChannel();
      this.#channel.port2.onmessage = this.#flushBound;
    }
    this.#channel.port1.postMessage(null);
  }

  /** True when some worker could start a queued task right now, or more workers may start. */
  #starving(): boolean {
    if (this.#liveWorkers() < this.#targetWorkers) return true;
    const [cpu, io] = this.#queues.lanes;
    for (const w of this.#workers) {
      if (w.state === "retiring" || w.state === "exited") continue;
      if (cpu.size > 0 && w.laneInFlight[WORKER_LANE] === 0) return true;
      if (io.size > 0 && w.laneInFlight[ASYNC_LANE] < this.#concurrency) return true;
    }
    return false;
  }

  /** Most tasks of a lane one worker may hold: those it runs at once plus prefetch. */
  #laneLimit(lane: LaneIndex): number {
    const running = lane === WORKER_LANE ? 1 : this.#concurrency;
    let prefetch = prefetchFor(this.#meanRunMs[lane], running);
    // With a backlog, keep one task waiting in each worker even when tasks are long, so a worker
    // never idles for a round trip between tasks (measured: ~6% of throughput for 2 ms tasks).
    // Without one, a later high-priority task should not queue behind it.
    if (prefetch === 0 && this.#queues.lanes[lane].size >= 2 * this.#workers.length) prefetch = 1;
    const limit = running + prefetch;
    const recycle = this.options.maxTasksPerWorker;
    return recycle > 0 ? Math.min(limit, recycle) : limit;
  }

  #room(w: WorkerHandle, lane: LaneIndex): number {
    if (w.state === "retiring" || w.state === "exited") return 0;
    let room = this.#laneLimit(lane) - w.laneInFlight[lane];
    if (this.options.maxTasksPerWorker > 0) room = Math.min(room, this.options.maxTasksPerWorker - w.sent);
    return Math.max(0, Math.min(room, w.freeSlots));
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#state === "closed") return;
    if (this.#inline && this.options.mode === "inline") {
      this.#pumpInline();
      return;
    }
    for (const lane of [WORKER_LANE, ASYNC_LANE] as const) {
      const queue = this.#queues.lanes[lane];
      if (queue.size === 0) continue;
      const plan = planDispatch(
        queue.size,
        this.#workers.map((w) => this.#room(w, lane)),
        this.#targetWorkers - this.#liveWorkers(),
        this.#laneLimit(lane),
      );
      for (let i = 0; i < plan.spawn; i++) this.#spawn();
      this.#send(plan.counts, lane);
    }
    this.#admitWaiters();
  }

  #send(counts: number[], lane: LaneIndex): void {
    const queue = this.#queues.lanes[lane];
    const now = performance.now();
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if (n === 0) continue;
      const w = this.#workers[i];
      if (n === 1) {
        // One task for an idle worker: the shared-memory fast path, when the task allows it
        // (no transfer, no progress: progress travels by message and must precede the result).
        const task = queue.shift()!;
        task.sentAt = now;
        if (task.transfer === undefined && task.onProgress === undefined && w.tryHand(task, this.#meanRunMs[lane])) {
          this.#started([task], w, now);
          continue;
        }
        queue.unshift(task);
      }
      const batch: Task[] = new Array(n);
      for (let j = 0; j < n; j++) {
        const task = queue.shift()!;
        task.sentAt = now;
        batch[j] = task;
      }
      for (const { task, error } of w.send(batch)) this.#settle(task, false, cloneError(task.name, error));
      this.#started(batch, w, now);
    }
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

  #liveWorkers(): number {
    let n = 0;
    for (const w of this.#workers) if (w.state === "starting" || w.state === "ready") n++;
    return n;
  }

  #spawn(): WorkerHandle {
    const w = new WorkerHandle(this.#nextWorkerId++, this.moduleUrl, this.#concurrency, this.#workerEvents);
    this.#workers.push(w);
    if (this.#events.has("workerSpawned")) this.#events.emit("workerSpawned", { workerId: w.id });
    return w;
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
    // An EMA over batches, weighted towards the latest: prefetch follows changes in task length.
    for (const lane of [WORKER_LANE, ASYNC_LANE] as const) {
      if (counted[lane] === 0) continue;
      const mean = runSum[lane] / counted[lane];
      const old = this.#meanRunMs[lane];
      this.#meanRunMs[lane] = old < 0 ? mean : old * 0.8 + mean * 0.2;
    }
    if (w.inFlight.size === 0) {
      w.idleSince = performance.now();
      if (w.state === "retiring") this.#endWorker(w, w.retireReason);
      else this.#armIdleTimer();
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
    this.#endWorker(w, `the task module failed to load: ${error.message}`);
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
    this.#removeWorker(w, reason);
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
    w.state = "retiring";
    w.retireReason = reason;
    if (w.inFlight.size === 0) this.#endWorker(w, reason);
    else this.#scheduleFlush(); // a replacement may start now
  }

  #endWorker(w: WorkerHandle, reason: string): void {
    w.terminate();
    this.#removeWorker(w, reason);
  }

  #removeWorker(w: WorkerHandle, reason: string): void {
    const i = this.#workers.indexOf(w);
    if (i < 0) return;
    this.#workers.splice(i, 1);
    this.#recorder.workerRetired(w.id);
    if (this.#events.has("workerExited")) this.#events.emit("workerExited", { workerId: w.id, reason });
  }

  #armIdleTimer(): void {
    if (this.#idleTimer !== undefined || this.#state !== "open") return;
    if (this.#workers.length <= this.options.minWorkers) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      const now = performance.now();
      let excess = this.#workers.length - this.options.minWorkers;
      for (const w of [...this.#workers]) {
        if (excess <= 0) break;
        if (w.inFlight.size === 0 && now - w.idleSince >= this.options.idleTimeoutMs - 1) {
          this.#endWorker(w, `idle for ${this.options.idleTimeoutMs} ms`);
          excess--;
        }
      }
      if (this.#workers.some((w) => w.inFlight.size === 0)) this.#armIdleTimer();
    }, this.options.idleTimeoutMs);
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
        capacity: Math.max(1, this.#liveWorkers()),
      },
      this.decisions,
    );
  }

  #tunable() {
    return {
      sample: (now: number) => {
        const snap = this.#snapshot(now);
        this.#lastSnapshot = snap;
        const s = this.stats();
        const tasks: Record<string, { count: number; waitMs: number; computeMs: number }> = {};
        for (const t of snap.tasks) {
          tasks[t.name] = {
            count: t.count,
            waitMs: Math.max(0, t.recent.runMs - t.recent.busyMs),
            computeMs: t.recent.busyMs,
          };
        }
        return {
          workers: this.#liveWorkers(),
          busyWorkers: s.busyWorkers,
          concurrency: this.#concurrency,
          inFlight: s.inFlight,
          queueDepth: s.queueDepth,
          completed: s.completed + s.failed,
          busyMs: s.busyMs,
          tasks,
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
    for (const w of this.#workers) if (w.inFlight.size > 0) return;
    this.#shutdown("");
  }

  #shutdown(reason: string): void {
    this.#state = "closed";
    const error = () => new PoolClosedError(`The pool was closed: ${reason}`);
    for (const task of [...this.#roomWaiters.splice(0), ...this.#queues.drain()]) this.#settle(task, false, error());
    for (const w of [...this.#workers]) {
      for (const task of w.inFlight.values()) {
        const e = error();
        this.#settle(task, false, e);
        // Deno's terminate() cannot stop a thread spinning in a loop, and that thread keeps the
        // process alive: raise the cancelled flag first, so a task checking shouldStop() ends.
        w.cancel(task, serializeError(e));
      }
      w.inFlight.clear();
      this.#endWorker(w, "the pool closed");
    }
    this.#tuner?.stop();
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#closeTimer);
    // An open port with a listener keeps the event loop alive.
    this.#channel?.port1.close();
    this.#channel?.port2.close();
    this.#channel = undefined;
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
