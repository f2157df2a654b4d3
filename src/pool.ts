/**
 * The worker pool: a bounded priority queue in front of Web Workers that each import the task
 * module. `run()` queues a task; one dispatch per event-loop turn hands every queued task that
 * fits to the least-busy workers, one message per worker, so tiny tasks cost a fraction of a
 * message each. Workers send results back in batches the same way.
 *
 * @module
 */
import { type Dispatch, planDispatch } from "./dispatch_plan.ts";
import {
  abortError,
  PoolClosedError,
  QueueFullError,
  TaskError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";
import { InlineRunner } from "./inline_runner.ts";
import { type PoolEventMap, type PoolEventName, PoolEvents } from "./pool_events.ts";
import { type PoolOptions, type ResolvedPoolOptions, resolvePoolOptions } from "./pool_options.ts";
import { type DoneBatch, type SerializedError, serializeError } from "./protocol.ts";
import { shouldParallelize } from "./sizing.ts";
import type { Task } from "./task.ts";
import { TaskQueue } from "./task_queue.ts";
import type { AnyTaskModule, TaskInput, TaskName, TaskResult } from "./task_types.ts";
import { assertInteger, assertOneOf } from "./validate.ts";
import { orderByWeight } from "./weights.ts";
import { WorkerHandle, type WorkerEvents } from "./worker_handle.ts";

/** Options of one `run()` call. */
export interface RunOptions {
  /** Lower runs first; FIFO within a priority. @default {0} */
  priority?: number;
  /** Reject with `TimeoutError` this long after the call (queue time included). @default {no timeout} */
  timeoutMs?: number;
  /** Cancels the task: removed if queued, asked to stop if running. @default {undefined} */
  signal?: AbortSignal;
  /** Objects to transfer (zero-copy) instead of cloning, e.g. ArrayBuffers in the input. @default {[]} */
  transfer?: Transferable[];
  /** Times to run the task again if its worker crashes while running it. @default {0} */
  retries?: number;
  /** Receives the task's `ctx.progress(value)` calls, in order, never after the result. @default {undefined} */
  onProgress?: (value: unknown) => void;
  /** Stage (group of tasks) for metrics and SLA reports. @default {undefined} */
  stage?: string;
}

/** Options of `map()`. */
export interface MapOptions<I> extends Omit<RunOptions, "transfer" | "onProgress"> {
  /** Relative weight of an input; heavier inputs are queued first. @default {all equal: input order} */
  weight?: (input: I, index: number) => number;
  /**
   * `"auto"` runs the batch on the calling thread when `shouldParallelize` says it is too small to
   * be worth a hand-off; `false` always uses workers. @default {"auto"}
   */
  inline?: "auto" | false;
}

/** Options of `close()`. */
export interface CloseOptions {
  /** Stop waiting for the drain after this long and cancel the rest. @default {no deadline} */
  timeoutMs?: number;
}

type State = "open" | "closing" | "closed";

// How much queued work, in milliseconds of measured task time, a worker may hold beyond the
// tasks it is running. Prefetch hides the message round trip for tiny tasks; the budget bounds
// how long a later high-priority task can wait behind prefetched ones.
const PREFETCH_BUDGET_MS = 1;
const MAX_PREFETCH = 1024;

/**
 * A pool of Web Workers running the functions of one task module.
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
  readonly moduleUrl: string;
  readonly options: ResolvedPoolOptions;
  #state: State = "open";
  #queue = new TaskQueue<Task>();
  #roomWaiters: Task[] = [];
  #roomResolvers: (() => void)[] = [];
  #workers: WorkerHandle[] = [];
  #events = new PoolEvents();
  #nextTaskId = 1;
  #nextWorkerId = 1;
  #flushQueued = false;
  #targetWorkers: number;
  #concurrency: number;
  #avgRunMs = -1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimers = new Set<ReturnType<typeof setTimeout>>();
  #closeWaiters: (() => void)[] = [];
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #inline: InlineRunner | undefined;
  #inlineBusy = false;
  #completed = 0;
  #failed = 0;
  #workerEvents: WorkerEvents;

  constructor(module: URL | string, options: PoolOptions = {}) {
    this.moduleUrl = resolveModuleUrl(module);
    this.options = resolvePoolOptions(options);
    this.#targetWorkers = this.options.maxWorkers;
    this.#concurrency = this.options.concurrency;
    if (this.options.mode === "inline") this.#inline = new InlineRunner(this.moduleUrl);
    this.#workerEvents = {
      ready: () => this.#scheduleFlush(),
      initError: (w, e) => this.#onInitError(w, e),
      results: (w, r) => this.#onResults(w, r),
      progress: (w, id, value) => w.inFlight.get(id)?.onProgress?.(value),
      exited: (w, reason) => this.#onWorkerExited(w, reason),
    };
  }

  /** Tasks waiting in the queue (not yet handed to a worker). */
  get queueSize(): number {
    return this.#queue.size + this.#roomWaiters.length;
  }

  /** Live workers, starting ones included. */
  get workerCount(): number {
    return this.#workers.length;
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
      if (this.#queue.size >= this.options.maxQueue) {
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
  async map<K extends TaskName<M>>(
    name: K,
    inputs: Iterable<TaskInput<M, K>>,
    options: MapOptions<TaskInput<M, K>> = {},
  ): Promise<TaskResult<M, K>[]> {
    const items = Array.from(inputs);
    const { weight, inline = "auto", signal, ...runOptions } = options;
    if (inline !== "auto" && inline !== false) assertOneOf("map", "inline", inline, ["auto"]);
    let order = items.map((_, i) => i);
    if (weight) {
      const weights = items.map((item, i) => weight(item, i));
      order = orderByWeight(order, (i) => weights[i]);
    }
    const small = inline === "auto" &&
      !shouldParallelize(items.length, {
        workload: this.options.workload,
        environment: this.options.environment,
      });
    if (small && this.#inline === undefined) this.#inline = new InlineRunner(this.moduleUrl);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const results = new Array<TaskResult<M, K>>(items.length);
    const pending: Promise<void>[] = [];
    try {
      for (const i of order) {
        if (controller.signal.aborted) break;
        if (small) {
          const out = await this.#inline!.execute(name, items[i], controller.signal, () => {});
          if (!out.ok) throw out.value;
          results[i] = out.value as TaskResult<M, K>;
          continue;
        }
        await this.whenRoom();
        const p = this.run(name, items[i], { ...runOptions, signal: controller.signal }).then(
          (value) => {
            results[i] = value;
          },
        );
        // Abort the rest on the first failure; the caller sees that failure, not the aborts.
        p.catch((e) => controller.abort(e));
        pending.push(p);
      }
      await Promise.all(pending);
      if (controller.signal.aborted) throw controller.signal.reason;
      return results;
    } catch (error) {
      controller.abort(error);
      await Promise.allSettled(pending);
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Resolves when the queue has room for one more task (at once if it has). */
  whenRoom(): Promise<void> {
    if (this.#queue.size < this.options.maxQueue || this.#state !== "open") return Promise.resolve();
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
          () =>
            this.#shutdown(`the close deadline of ${options.timeoutMs} ms passed before the task finished`),
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

  /** Resizes the worker lane (used by the adaptive controller). */
  resize(workers: number, concurrency: number = this.#concurrency): void {
    assertInteger("resize pool", "workers", workers, { min: 1 });
    assertInteger("resize pool", "concurrency", concurrency, { min: 1, max: 2048 });
    this.#targetWorkers = workers;
    if (concurrency !== this.#concurrency) {
      this.#concurrency = concurrency;
      for (const w of this.#workers) w.setConcurrency(concurrency);
    }
    // Retire surplus idle workers now; busy ones retire when they next go idle.
    let surplus = this.#liveWorkers() - workers;
    for (const w of this.#workers) {
      if (surplus <= 0) break;
      if (w.state !== "retiring" && w.inFlight.size === 0) {
        this.#retire(w, "the pool shrank");
        surplus--;
      }
    }
    this.#scheduleFlush();
  }

  /** Counts for metrics: workers, busy workers, queue, in flight, totals. */
  stats(): {
    workers: number;
    busyWorkers: number;
    queueDepth: number;
    inFlight: number;
    concurrency: number;
    targetWorkers: number;
    completed: number;
    failed: number;
  } {
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
    };
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
      if (typeof name !== "string") throw new TypeError(`Cannot run a task as 'name' must be a string: current value is ${String(name)}`);
      if (typeof priority !== "number" || !Number.isFinite(priority)) {
        throw new RangeError(`Cannot run task '${name}' as 'priority' must be a finite number: current value is ${String(priority)}`);
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
    this.#queue.push(task);
    if (this.#events.has("taskQueued")) {
      this.#events.emit("taskQueued", { id: task.id, name: task.name, priority: task.priority });
    }
    this.#scheduleFlush();
  }

  #settle(task: Task, ok: boolean, value: unknown, busyMs = 0, runMs = 0): void {
    if (task.settled) return;
    task.settled = true;
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener("abort", task.onAbort);
    if (ok) {
      this.#completed++;
      task.resolve(value);
      if (this.#events.has("taskFinished")) {
        this.#events.emit("taskFinished", {
          id: task.id,
          name: task.name,
          workerId: task.worker?.id ?? 0,
          waitMs: task.sentAt ? task.sentAt - task.queuedAt : 0,
          runMs,
          busyMs,
        });
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
      if (!this.#queue.remove(task)) {
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

  // A message to ourselves is the cheapest macrotask on Deno and Bun: setTimeout(0) is clamped
  // to about 1 ms, which would cap throughput at one batch per millisecond.
  #channel: MessageChannel | undefined;
  #macrotask(): void {
    if (!this.#channel) {
      this.#channel = new MessageChannel();
      this.#channel.port2.onmessage = this.#flushBound;
    }
    this.#channel.port1.postMessage(null);
  }

  #flushBound = () => this.#flush();

  /** True when some worker could start a task right now, or none exists yet. */
  #starving(): boolean {
    if (this.#workers.length < this.#targetWorkers) return true;
    for (const w of this.#workers) {
      if (w.state !== "retiring" && w.inFlight.size < this.#concurrency) return true;
    }
    return false;
  }

  #perWorkerLimit(): number {
    // Prefetch scales with how many tasks fit in the budget, given measured task time.
    const prefetch = this.#avgRunMs < 0
      ? 0
      : Math.min(MAX_PREFETCH, Math.floor((PREFETCH_BUDGET_MS * this.#concurrency) / Math.max(this.#avgRunMs, 0.001)));
    return this.#concurrency + prefetch;
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#state === "closed") return;
    if (this.#inline && this.options.mode === "inline") {
      this.#pumpInline();
      return;
    }
    if (this.#queue.size > 0) {
      const plan = planDispatch(
        this.#queue.size,
        this.#workers.map((w) => this.#room(w)),
        this.#targetWorkers - this.#liveWorkers(),
        this.options.maxTasksPerWorker > 0
          ? Math.min(this.#perWorkerLimit(), this.options.maxTasksPerWorker)
          : this.#perWorkerLimit(),
      );
      this.#apply(plan);
    }
    this.#admitWaiters();
  }

  #room(w: WorkerHandle): number {
    if (w.state === "retiring" || w.state === "exited") return 0;
    let room = this.#perWorkerLimit() - w.inFlight.size;
    if (this.options.maxTasksPerWorker > 0) room = Math.min(room, this.options.maxTasksPerWorker - w.sent);
    return Math.max(0, Math.min(room, w.freeSlots));
  }

  #apply(plan: Dispatch): void {
    for (let i = 0; i < plan.spawn; i++) this.#spawn();
    const now = performance.now();
    for (let i = 0; i < plan.counts.length; i++) {
      const n = plan.counts[i];
      if (n === 0) continue;
      const w = this.#workers[i];
      const batch: Task[] = new Array(n);
      for (let j = 0; j < n; j++) {
        const task = this.#queue.shift()!;
        task.sentAt = now;
        batch[j] = task;
      }
      for (const { task, error } of w.send(batch)) {
        this.#settle(task, false, cloneError(task.name, error));
      }
      if (this.#events.has("taskStarted")) {
        for (const task of batch) {
          this.#events.emit("taskStarted", { id: task.id, name: task.name, workerId: w.id, waitMs: now - task.queuedAt });
        }
      }
      if (this.options.maxTasksPerWorker > 0 && w.sent >= this.options.maxTasksPerWorker) {
        this.#retire(w, `recycled after ${w.sent} tasks (maxTasksPerWorker)`);
      }
    }
  }

  #admitWaiters(): void {
    while (this.#roomWaiters.length > 0 && this.#queue.size < this.options.maxQueue) {
      this.#enqueue(this.#roomWaiters.shift()!);
    }
    if (this.#queue.size < this.options.maxQueue) this.#releaseRoomResolvers();
  }

  #releaseRoomResolvers(): void {
    const resolvers = this.#roomResolvers;
    this.#roomResolvers = [];
    for (const r of resolvers) r();
  }

  #pumpInline(): void {
    if (this.#inlineBusy) return;
    const task = this.#queue.shift();
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
    let runSum = 0;
    let f = 0;
    for (let i = 0; i < ids.length; i++) {
      const task = w.inFlight.get(ids[i]);
      const isError = failed !== null && failed[f] === i;
      if (isError) f++;
      if (task === undefined) continue;
      w.release(task);
      w.completed++;
      w.busyMs += busy[i];
      runSum += run[i];
      task.worker = w;
      if (!isError) this.#settle(task, true, values[i], busy[i], run[i]);
      else this.#settle(task, false, new TaskError(task.name, values[i] as SerializedError), busy[i], run[i]);
      task.worker = null;
    }
    // An EMA over batches, weighted towards the latest: prefetch follows changes in task length.
    const mean = runSum / ids.length;
    this.#avgRunMs = this.#avgRunMs < 0 ? mean : this.#avgRunMs * 0.8 + mean * 0.2;
    if (w.inFlight.size === 0) {
      w.idleSince = performance.now();
      if (w.state === "retiring") this.#endWorker(w, w.retireReason);
      else this.#armIdleTimer();
    }
    if (this.#queue.size > 0) this.#scheduleFlush();
    this.#maybeFinishClose();
  }

  #onInitError(w: WorkerHandle, error: SerializedError): void {
    const failure = new Error(`Cannot load the task module ${this.moduleUrl}: ${error.message}`, {
      cause: new TaskError("(module)", error),
    });
    const tasks = [...w.inFlight.values(), ...this.#queue.drain(), ...this.#roomWaiters.splice(0)];
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
      this.#queue.unshift(task);
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

  // ——— closing ———

  #maybeFinishClose(): void {
    if (this.#state !== "closing") return;
    if (this.#queue.size > 0 || this.#roomWaiters.length > 0 || this.#inlineBusy) return;
    for (const w of this.#workers) if (w.inFlight.size > 0) return;
    this.#shutdown("");
  }

  #shutdown(reason: string): void {
    this.#state = "closed";
    const error = () => new PoolClosedError(`The pool was closed: ${reason}`);
    for (const task of [...this.#roomWaiters.splice(0), ...this.#queue.drain()]) this.#settle(task, false, error());
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

function resolveModuleUrl(module: URL | string): string {
  if (module instanceof URL) return module.href;
  if (typeof module === "string") {
    try {
      return new URL(module).href;
    } catch {
      throw new TypeError(
        `Cannot create pool as 'module' must be an absolute URL such as new URL("./tasks.ts", import.meta.url): current value is "${module}"`,
      );
    }
  }
  throw new TypeError(`Cannot create pool as 'module' must be a URL or a string: current value is ${String(module)}`);
}

// Class instances with methods would arrive in the worker as plain objects without them, which
// structured clone does silently; say so at the call site instead. Only the top level is checked:
// a deep walk would cost more than the hand-off it protects.
const cloneablePrototypes = new Set<unknown>([Object.prototype, Array.prototype, null]);

function checkCloneable(name: string, input: unknown): void {
  if (typeof input === "function") {
    throw new TypeError(`Cannot send the input of task '${name}' to a worker: functions cannot be cloned`);
  }
  if (typeof input !== "object" || input === null) return;
  const proto = Object.getPrototypeOf(input);
  if (cloneablePrototypes.has(proto) || ArrayBuffer.isView(input) || input instanceof ArrayBuffer) return;
  if (input instanceof Date || input instanceof Map || input instanceof Set || input instanceof RegExp) return;
  if (input instanceof Error || input instanceof Blob) return;
  if (typeof SharedArrayBuffer === "function" && input instanceof SharedArrayBuffer) return;
  const ctor = (proto as { constructor?: { name?: string } }).constructor?.name ?? "unknown";
  throw new TypeError(
    `Cannot send the input of task '${name}' to a worker: it is an instance of class ${ctor}, which ` +
      `structured clone would turn into a plain object without its methods; send plain data instead`,
  );
}

function cloneError(name: string, error: unknown): Error {
  const e = serializeError(error);
  return Object.assign(
    new TypeError(`Cannot send the input of task '${name}' to a worker (${e.name}): ${e.message}`, { cause: error }),
    { name: "DataCloneError" },
  );
}

/**
 * Creates a pool for the task module at `module` (an absolute URL; every worker imports it).
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
