/**
 * The scheduler behind `Pool`: bounded priority queues (one per lane) in front of Web Workers that
 * each import the task module. `run()` queues a task; the dispatcher hands queued tasks to the
 * least-busy workers in batches; results, crashes and cancellations settle each task exactly once.
 * `Pool` is its typed face; this class knows task names only as strings.
 *
 * @module
 */
import { Autotuner, type Tunable } from "../tuning/autotuner.ts";
import { checkCloseOptions, type CloseOptions, Closing } from "./closing.ts";
import type { Lane } from "../tuning/controller_options.ts";
import type { Decision } from "../tuning/controller_state.ts";
import { Dispatcher } from "./dispatcher.ts";
import { PoolClosedError, TaskError, WorkerStartError } from "../errors.ts";
import type { HandoffProbeOptions, HandoffRow } from "../report/handoff_probe.ts";
import { InlineRunner } from "./inline_runner.ts";
import { ASYNC_LANE, LaneQueues, LaneTable, WORKER_LANE } from "./lane_queues.ts";
import { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import { type PoolEventMap, type PoolEventName, PoolEvents } from "./pool_events.ts";
import { PoolMonitor, probeWorkerHandoff } from "./pool_monitor.ts";
import {
  poolControllerOptions,
  type PoolOptions,
  type ResolvedPoolOptions,
  resolvePoolOptions,
} from "./pool_options.ts";
import { type DoneBatch, type SerializedError, serializeError } from "../transport/protocol.ts";
import { Room } from "./backpressure.ts";
import type { RunTimes } from "./run_times.ts";
import type { RunOptions, Task } from "./task.ts";
import { Admission } from "./admission.ts";
import { cloneError, resolveModuleUrl } from "./task_input.ts";
import { TaskSettler } from "./task_settler.ts";
import { assertInteger } from "../validate.ts";
import { defaultSpawn } from "../transport/default_spawn.ts";
import { createProcessSpawner } from "../transport/process_link.ts";
import type { LinkEvents, SpawnLink, WorkerLink } from "../transport/worker_link.ts";
import { WorkerSet } from "./worker_set.ts";

export type { CloseOptions };

/**
 * The untyped engine of a pool (see `Pool` for the documented API).
 *
 * @example
 * ```ts ignore
 * const scheduler = new Scheduler(new URL("./tasks.ts", import.meta.url), { maxWorkers: 2 });
 * console.log(await scheduler.run("render", { title: "Hi" }));
 * ```
 */
export class Scheduler implements LinkEvents<Task> {
  /** The task module every worker imports. */
  readonly moduleUrl: string;
  /** The options in force, defaults applied. */
  readonly options: ResolvedPoolOptions;
  #closing = new Closing();
  #queues = new LaneQueues();
  #room: Room;
  #set: WorkerSet;
  #events = new PoolEvents();
  #recorder = new MetricsRecorder(performance.now());
  #tuner: Autotuner | undefined;
  #admission: Admission;
  #dispatcher: Dispatcher;
  #targetWorkers: number;
  #concurrency: number;
  #lanes: LaneTable;
  #inline: InlineRunner | undefined;
  #settler: TaskSettler;
  #flushBound = (): void => this.#scheduleFlush();
  #busyMs = 0;
  /** Read-only views: counters, metrics snapshot, diagnostics. */
  readonly monitor: PoolMonitor;

  /**
   * @param spawn starts one worker: the transport (Web Workers unless a test or another profile
   * plugs in its own link).
   */
  constructor(module: URL | string, options: PoolOptions = {}, spawn?: SpawnLink) {
    this.moduleUrl = resolveModuleUrl(module);
    this.options = resolvePoolOptions(options);
    const { isolation, process } = this.options;
    spawn ??= isolation === "process" ? createProcessSpawner(process) : defaultSpawn;
    this.#targetWorkers = this.options.maxWorkers;
    this.#concurrency = this.options.concurrency;
    // Before anything is measured, a pool made for concurrent work puts every task in the async lane.
    this.#lanes = new LaneTable(
      this.options.lanes,
      this.options.concurrency > 1 ? ASYNC_LANE : WORKER_LANE,
    );
    this.#settler = new TaskSettler(this.#recorder, this.#events, this.options.mode === "inline");
    this.#room = new Room(this.options.maxQueue, () => this.#queues.size);
    this.#admission = new Admission(
      {
        queues: this.#queues,
        room: this.#room,
        lanes: this.#lanes,
        settler: this.#settler,
        recorder: this.#recorder,
        events: this.#events,
        closing: this.#closing,
      },
      this.options,
      {
        queued: () => {
          this.#tuner?.wake();
          this.#scheduleFlush();
        },
        cancelInWorker: (task, error) => this.#cancelInWorker(task, error),
        left: () => this.#maybeFinishClose(),
      },
    );
    if (this.options.mode === "inline") this.#inline = new InlineRunner(this.moduleUrl);
    else if (this.options.autotune) {
      this.#tuner = new Autotuner(
        this.#tunable(),
        this.options.cores,
        poolControllerOptions(this.options),
      );
    }
    // The scheduler hears every worker's events itself (see LinkEvents below).
    this.#set = new WorkerSet(this.moduleUrl, spawn, this, this.options, {
      events: this.#events,
      recorder: this.#recorder,
    });
    this.monitor = new PoolMonitor({
      workers: this.#set,
      settler: this.#settler,
      recorder: this.#recorder,
      cores: this.options.cores,
      queueSize: () => this.queueSize,
      concurrency: () => this.#concurrency,
      targetWorkers: () => this.#targetWorkers,
      busyMs: () => this.#busyMs,
      handedOff: () => this.#dispatcher.handedOff,
      decisions: () => this.decisions,
    });
    this.#dispatcher = new Dispatcher({
      queues: this.#queues,
      workers: this.#set,
      maxTasksPerWorker: this.options.maxTasksPerWorker,
      targetWorkers: () => this.#targetWorkers,
      concurrency: () => this.#concurrency,
      intercept: () => {
        if (this.#closing.state === "closed") return true;
        if (this.options.mode !== "inline") return false;
        this.#pumpInline();
        return true;
      },
      spawn: () => this.#set.spawn(this.#concurrency),
      maySpawn: () => this.#set.maySpawn(this.#flushBound),
      started: (batch, w, now) => this.#started(batch, w, now),
      unsendable: (task, error) => this.#settler.settle(task, false, cloneError(task.name, error)),
      afterTurn: () => this.#admission.admitWaiters(),
    });
  }

  /** Tasks waiting (queued, or waiting for room with `onFull: "wait"`). */
  get queueSize(): number {
    return this.#queues.size + this.#room.waiting;
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

  /** See `Pool.run`. */
  run(name: string, input: unknown, options: RunOptions = {}): Promise<unknown> {
    return this.#admission.run(name, input, options);
  }

  /** The runner for tasks on this thread (inline mode, and batches too small to hand off). */
  inlineRunner(): InlineRunner {
    return this.#inline ??= new InlineRunner(this.moduleUrl);
  }

  /** Measured run time per task name: what prefetch and `map()`'s inline decision go by. */
  get runTimes(): RunTimes {
    return this.#dispatcher.runTimes;
  }

  /** Resolves when the queue has room for one more task (at once if it has). */
  whenRoom(): Promise<void> {
    return this.#admission.whenRoom();
  }

  /** See `Pool.close`. */
  close(options: CloseOptions = {}): Promise<void> {
    const { timeoutMs } = checkCloseOptions(options);
    const done = this.#closing.wait();
    const deadline = (ms: number) =>
      this.#shutdown(`the close deadline of ${ms} ms passed before the task finished`);
    if (this.#closing.begin(timeoutMs, deadline)) this.#room.release();
    this.#maybeFinishClose();
    return done.then(() => this.#set.allGone());
  }

  /** Ends the pool now: queued and running tasks reject with `PoolClosedError`. */
  closeNow(): Promise<void> {
    if (this.#closing.state !== "closed") this.#shutdown("the pool was closed with closeNow()");
    return this.#set.allGone();
  }

  /** See `Pool.resize`. Surplus idle workers retire at once, busy ones after their last task. */
  resize(workers: number, concurrency: number = this.#concurrency): void {
    assertInteger("resize pool", "workers", workers, { min: 1 });
    assertInteger("resize pool", "concurrency", concurrency, { min: 1, max: 2048 });
    this.#targetWorkers = workers;
    if (concurrency !== this.#concurrency) {
      this.#concurrency = concurrency;
      for (const w of this.#set.list) w.setConcurrency(concurrency);
    }
    this.#set.shrinkTo(workers, "the pool shrank");
    this.#scheduleFlush(); // a busy retiring worker's replacement may start now
  }

  /** See `Pool.probeHandoff`. */
  probeHandoff(options: HandoffProbeOptions = {}): Promise<HandoffRow[]> {
    if (this.#closing.state !== "open") {
      return Promise.reject(new PoolClosedError("Cannot probe the hand-off as the pool is closed"));
    }
    return probeWorkerHandoff(
      this.#set.list.find((x) => x.state === "ready") ?? this.#set.spawn(this.#concurrency),
      options,
    );
  }

  // ——— tasks ———

  /** Cancels a task in a worker: it is asked to stop, and its worker goes if it does not. */
  #cancelInWorker(task: Task, error: Error): void {
    const w = task.worker!;
    this.#settler.settle(task, false, error);
    w.cancel(task, serializeError(error));
    // On Deno a thread spinning in a loop survives terminate(); see the README.
    const grace = this.options.cancelGraceMs;
    this.#set.watchCancelled(w, task, grace, () => {
      this.#kill(w, `task '${task.name}' did not stop within ${grace} ms of being cancelled`);
    });
  }

  // ——— dispatch ———

  #scheduleFlush(): void {
    this.#dispatcher.schedule();
  }

  #started(batch: Task[], w: WorkerLink<Task>, now: number): void {
    this.#events.started(batch, w.id, now);
    if (this.options.maxTasksPerWorker > 0 && w.sent >= this.options.maxTasksPerWorker) {
      this.#retire(w, `recycled after ${w.sent} tasks (maxTasksPerWorker)`);
    }
  }

  /** Inline mode: one task at a time on this thread, in queue order. */
  #pumpInline(): void {
    this.#inline!.pump(() => this.#queues.shift(), (task, out) => {
      this.#settler.settle(task, out.ok, out.value, out.busyMs, out.runMs);
      this.#scheduleFlush();
    });
    this.#admission.admitWaiters();
    this.#maybeFinishClose();
  }

  // ——— what the workers report (LinkEvents) ———

  /** A worker asks to be retired after its current task (TTL, memory, task count). */
  recycle(w: WorkerLink<Task>, reason: string): void {
    this.#retire(w, reason);
  }

  /** A worker loaded the task module. */
  ready(): void {
    this.#set.noteReady();
    this.#scheduleFlush();
  }

  /** A task reported progress. */
  progress(w: WorkerLink<Task>, id: number, value: unknown): void {
    w.inFlight.get(id)?.onProgress?.(value);
  }

  /** A worker sent a batch of results: it reaches the settler in one call. */
  results(w: WorkerLink<Task>, batch: DoneBatch): void {
    const { counted, busyMs } = this.#settler.applyResults(w, batch, this.#dispatcher.runTimes);
    if (counted > 0) this.#set.noteFinished();
    this.#busyMs += busyMs;
    if (w.inFlight.size === 0) {
      w.idleSince = performance.now();
      if (w.state === "retiring") this.#set.end(w, w.retireReason);
      else if (this.#closing.state === "open") this.#set.armIdleTimer();
      // Nothing left to do: let go of the dispatch port, which would keep the process alive.
      if (this.#queues.size === 0 && this.#set.load().inFlight === 0) this.#dispatcher.release();
    }
    if (this.#queues.size > 0) this.#scheduleFlush();
    this.#maybeFinishClose();
  }

  /** The task module threw while loading: every call waiting fails the same way. */
  initError(w: WorkerLink<Task>, error: SerializedError): void {
    const failure = new Error(`Cannot load the task module ${this.moduleUrl}: ${error.message}`, {
      cause: new TaskError("(module)", error),
    });
    const held = [...w.inFlight.values()];
    w.inFlight.clear();
    this.#set.end(w, `the task module failed to load: ${error.message}`);
    this.#failWaiting(failure, held);
  }

  /** A worker is gone: its tasks crash, retry or run elsewhere, and a replacement may start. */
  exited(w: WorkerLink<Task>, reason: string): void {
    const requeue = this.#settler.recoverTasks(w, reason);
    this.#set.remove(w, reason);
    const failedStarts = this.#set.noteDeath(w);
    if (failedStarts > 0) {
      this.#stopStarting(new WorkerStartError(reason, failedStarts), requeue);
      return;
    }
    for (let i = requeue.length - 1; i >= 0; i--) this.#queues.unshift(requeue[i]);
    // A replacement starts when there is work for it (the flush spawns it), not before.
    if (this.#closing.state !== "closed") this.#scheduleFlush();
    this.#maybeFinishClose();
  }

  /**
   * Workers keep failing to start: stop starting them, end the ones still starting, and reject
   * every call waiting for one. The pool stays open, and the next call starts afresh.
   */
  #stopStarting(error: WorkerStartError, requeue: Task[]): void {
    this.#failWaiting(error, [
      ...requeue,
      ...this.#set.endStarting(`stopped starting workers: ${error.message}`),
    ]);
  }

  /** Rejects `held` and every call waiting (queued or for room) with `error`. */
  #failWaiting(error: Error, held: Task[]): void {
    for (const task of [...held, ...this.#queues.drain(), ...this.#room.drain()]) {
      task.worker = null;
      this.#settler.settle(task, false, error);
    }
    this.#room.release();
    this.#maybeFinishClose();
  }

  /** Terminates a worker whose task will not stop; its other tasks are handled as in a crash. */
  #kill(w: WorkerLink<Task>, reason: string): void {
    w.kill(reason);
  }

  #retire(w: WorkerLink<Task>, reason: string): void {
    if (!this.#set.retire(w, reason)) this.#scheduleFlush(); // a replacement may start now
  }

  // ——— metrics and tuning ———

  #tunable(): Tunable {
    return {
      sample: (now: number) => this.monitor.sample(now),
      apply: (target: { workers: number; concurrency: number }, lanes: Record<string, Lane>) => {
        // Tasks already queued follow their name, or a backlog would drain in the old lane.
        for (const [name, lane] of this.#lanes.route(lanes)) this.#queues.reroute(name, lane);
        if (target.workers !== this.#targetWorkers || target.concurrency !== this.#concurrency) {
          this.resize(target.workers, target.concurrency);
        }
      },
      idle: () => this.queueSize === 0 && this.#set.load().inFlight === 0,
    };
  }

  // ——— closing ———

  #maybeFinishClose(): void {
    if (this.#closing.state !== "closing") return;
    if (this.#queues.size > 0 || this.#room.waiting > 0 || this.#inline?.busy) return;
    for (const w of this.#set.list) if (w.inFlight.size > 0) return;
    this.#shutdown("");
  }

  #shutdown(reason: string): void {
    const error = () => new PoolClosedError(`The pool was closed: ${reason}`);
    this.#closing.state = "closed";
    for (const task of [...this.#room.drain(), ...this.#queues.drain()]) {
      this.#settler.settle(task, false, error());
    }
    this.#set.endAll((task, w) => {
      const e = error();
      this.#settler.settle(task, false, e);
      // Deno's terminate() cannot stop a thread spinning in a loop, and that thread keeps the
      // process alive: raise the cancelled flag first, so a task checking shouldStop() ends.
      w.cancel(task, serializeError(e));
    });
    this.#tuner?.stop();
    this.#set.stop();
    this.#dispatcher.close();
    this.#room.release();
    this.#closing.finish();
  }
}
