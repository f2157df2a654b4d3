/**
 * The pool's workers as a set: how many it may have and how many async tasks each runs at once,
 * starting them (with a back-off after deaths in a row), retiring them (at once when idle, after
 * their last task otherwise), reaping those idle past the timeout down to the minimum, and ending
 * one whose cancelled task will not stop. What happens to their tasks is the settler's business;
 * this keeps the list and its timers.
 *
 * @module
 */
import { respawnDelayMs } from "./respawn_backoff.ts";
import type { MetricsRecorder } from "../metrics/metrics_recorder.ts";
import type { PoolEvents } from "./pool_events.ts";
import type { Task } from "./task.ts";
import { serializeError } from "../transport/protocol.ts";
import type { LinkEvents, SpawnLink, WorkerLink } from "../transport/worker_link.ts";
import { assertInteger } from "../validate.ts";

/** Turns of 1 ms a kill past the cancel grace waits for results posted before (cancelInWorker). */
const RESULT_WAITS = 20;

/** Where the set reports workers starting and ending: the pool's events and metrics. */
export interface WorkerSetReport {
  events: PoolEvents;
  recorder: MetricsRecorder;
}

/** The set's settings (the pool's resolved options). */
export interface WorkerSetOptions {
  maxWorkers: number;
  concurrency: number;
  minWorkers: number;
  idleTimeoutMs: number;
  startTimeoutMs: number;
  maxStartFailures: number;
  cancelGraceMs: number;
}

/**
 * The live workers of one pool.
 *
 * @example
 * ```ts ignore
 * const set = new WorkerSet(moduleUrl, spawnWebWorker, resolvedOptions, { events, recorder });
 * set.reportTo(workerReports);
 * const w = set.spawn();
 * ```
 */
export class WorkerSet {
  /** Workers, in the order they started; retiring ones included until they end. */
  readonly list: WorkerLink<Task>[] = [];
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Workers that failed to start in a row (reset when one is ready). */
  #startFailures = 0;
  /** Workers that died in a row with no task finishing in between (for the respawn back-off). */
  #deaths = 0;
  /** No worker starts before this time (performance.now()); see respawn_backoff.ts. */
  #respawnAt = 0;
  #respawnTimer: ReturnType<typeof setTimeout> | undefined;
  /** Removed workers not yet gone (a child process still being reaped). */
  #going = new Set<Promise<void>>();
  #events: LinkEvents<Task> | undefined;
  /** Workers the pool may have now (the controller or `resize()` moves it). */
  target: number;
  /** Async-lane tasks one worker runs at once now. */
  concurrency: number;

  constructor(
    readonly moduleUrl: string,
    readonly spawnLink: SpawnLink,
    readonly idle: WorkerSetOptions,
    readonly report: WorkerSetReport,
  ) {
    this.target = idle.maxWorkers;
    this.concurrency = idle.concurrency;
  }

  /**
   * Where every worker's link reports (its results, its end): the one path back up. Given once,
   * before the first worker starts.
   */
  reportTo(events: LinkEvents<Task>): void {
    this.#events = events;
  }

  /**
   * Sets the worker count and the async lane's per-worker concurrency. Surplus idle workers
   * retire at once, busy ones after their last task. Throws a `RangeError` naming a bad value.
   */
  resize(workers: number, concurrency: number): void {
    assertInteger("resize pool", "workers", workers, { min: 1 });
    assertInteger("resize pool", "concurrency", concurrency, { min: 1, max: 2048 });
    this.target = workers;
    if (concurrency !== this.concurrency) {
      this.concurrency = concurrency;
      for (const w of this.list) w.setConcurrency(concurrency);
    }
    this.shrinkTo(workers, "the pool shrank");
  }

  /** Workers that take tasks (starting or ready). */
  get live(): number {
    let n = 0;
    for (const w of this.list) if (w.taking) n++;
    return n;
  }

  /** Workers with tasks in flight, and tasks in flight over all workers. */
  load(): { busyWorkers: number; inFlight: number } {
    let busyWorkers = 0;
    let inFlight = 0;
    for (const w of this.list) {
      if (w.inFlight.size > 0) busyWorkers++;
      inFlight += w.inFlight.size;
    }
    return { busyWorkers, inFlight };
  }

  /** Starts a worker. */
  spawn(): WorkerLink<Task> {
    const { startTimeoutMs } = this.idle;
    const options = { moduleUrl: this.moduleUrl, concurrency: this.concurrency, startTimeoutMs };
    const w = this.spawnLink(this.#nextId++, options, this.#events!);
    this.list.push(w);
    if (this.report.events.has("workerSpawned")) {
      this.report.events.emit("workerSpawned", { workerId: w.id });
    }
    return w;
  }

  /** Stops sending `w` tasks; ends it now if idle (returns true), else after its last task. */
  retire(w: WorkerLink<Task>, reason: string): boolean {
    if (!w.taking) return w.state === "exited";
    w.state = "retiring";
    w.retireReason = reason;
    if (w.inFlight.size > 0) return false;
    this.end(w, reason);
    return true;
  }

  /** Retires the oldest workers that take tasks until at most `workers` do. */
  shrinkTo(workers: number, reason: string): void {
    let surplus = this.live - workers;
    for (const w of [...this.list]) {
      if (surplus <= 0) break;
      if (w.taking) {
        this.retire(w, reason);
        surplus--;
      }
    }
  }

  /** Terminates `w` and forgets it. */
  end(w: WorkerLink<Task>, reason: string): void {
    w.terminate();
    this.remove(w, reason);
  }

  /** Forgets `w` (already dead or terminated). */
  remove(w: WorkerLink<Task>, reason: string): void {
    const i = this.list.indexOf(w);
    if (i < 0) return;
    this.list.splice(i, 1);
    const gone = w.gone();
    this.#going.add(gone);
    gone.then(() => this.#going.delete(gone));
    this.report.recorder.workerRetired(w.id);
    if (this.report.events.has("workerExited")) {
      this.report.events.emit("workerExited", { workerId: w.id, reason });
    }
  }

  /** Resolves once every worker removed so far is gone (child processes reaped). */
  async allGone(): Promise<void> {
    await Promise.all(this.#going);
  }

  /** Ends every worker (the pool closed), after handing each task still in one to `each`. */
  endAll(each: (task: Task, w: WorkerLink<Task>) => void): void {
    for (const w of [...this.list]) {
      for (const task of w.inFlight.values()) each(task, w);
      w.inFlight.clear();
      this.end(w, "the pool closed");
    }
  }

  /**
   * Ends workers idle for `idleTimeoutMs`, keeping `minWorkers`; one timer for the whole set, due
   * when the longest-idle worker reaches the timeout. Re-armed for the next one's due time, not a
   * full `idleTimeoutMs`: that let a worker that went idle just after the first one stay up to
   * twice the timeout (a forgotten pool with the defaults took 10 s to exit, not 5 s).
   */
  armIdleTimer(): void {
    const { minWorkers, idleTimeoutMs } = this.idle;
    if (this.#idleTimer !== undefined || this.list.length <= minWorkers) return;
    let oldest = Infinity;
    for (const w of this.list) if (w.inFlight.size === 0) oldest = Math.min(oldest, w.idleSince);
    if (oldest === Infinity) return; // every worker is busy: its results arm the timer
    const dueIn = Math.max(0, oldest + idleTimeoutMs - performance.now());
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      const now = performance.now();
      let excess = this.list.length - minWorkers;
      for (const w of [...this.list]) {
        if (excess <= 0) break;
        // 1 ms of slack: timers may fire a hair early against performance.now().
        if (w.inFlight.size === 0 && now - w.idleSince >= idleTimeoutMs - 1) {
          this.end(w, `idle for ${idleTimeoutMs} ms`);
          excess--;
        }
      }
      // Every idle worker left is either kept (minWorkers) or not due yet, so this never spins.
      this.armIdleTimer();
    }, dueIn);
  }

  /**
   * Asks the worker holding the cancelled (settled) `task` to stop it, and ends that worker if the
   * task still runs there `cancelGraceMs` later: a task that ignores cancellation would hold its
   * worker forever. A task still waiting in the worker (behind a busy one, or in a worker still
   * starting) will see its cancelled flag when its turn comes and never run: replacing the worker
   * then would only fail the innocent task running there. Its other tasks are then handled as in
   * a crash.
   */
  cancelInWorker(task: Task, error: Error): void {
    const w = task.worker!;
    w.cancel(task, serializeError(error));
    // On Deno a thread spinning in a loop survives terminate(); see the README.
    const graceMs = this.idle.cancelGraceMs;
    let waits = 0;
    const judge = () => {
      this.#graceTimers.delete(timer);
      if (!w.inFlight.has(task.id) || !w.started(task)) return;
      // Results the worker posted before the task held it are read first: a loop starved past
      // the grace may find this timer due before their message, and the kill would drop them
      // and fail tasks that had finished. Bounded: a few turns of 1 ms.
      if (w.resultsOnTheirWay() && waits++ < RESULT_WAITS) {
        timer = setTimeout(judge, 1);
        this.#graceTimers.add(timer);
        return;
      }
      w.kill(`task '${task.name}' did not stop within ${graceMs} ms of being cancelled`);
    };
    let timer = setTimeout(judge, graceMs);
    this.#graceTimers.add(timer);
  }

  /** A worker is ready: starting workers works. */
  noteReady(): void {
    this.#startFailures = 0;
  }

  /** Tasks finished: workers dying in a row (for the back-off) stops counting. */
  noteFinished(): void {
    this.#deaths = 0;
  }

  /**
   * Counts the death of `w` for the respawn back-off and, when it never became ready, as a failed
   * start. Returns the failed starts in a row once they reach `maxStartFailures` (the pool then
   * stops starting workers, and the count starts over), else 0.
   */
  noteDeath(w: WorkerLink<Task>): number {
    this.#deaths++;
    this.#respawnAt = performance.now() + respawnDelayMs(this.#deaths);
    if (w.wasReady || ++this.#startFailures < this.idle.maxStartFailures) return 0;
    const failures = this.#startFailures;
    this.#startFailures = 0;
    return failures;
  }

  /** False during a respawn back-off, which then arms one timer to call `wake` when it ends. */
  maySpawn(wake: () => void): boolean {
    const wait = this.#respawnAt - performance.now();
    if (wait <= 0) return true;
    this.#respawnTimer ??= setTimeout(() => {
      this.#respawnTimer = undefined;
      wake();
    }, wait);
    return false;
  }

  /** Ends every worker that never became ready and returns the tasks they held (none started). */
  endStarting(reason: string): Task[] {
    const tasks: Task[] = [];
    for (const w of [...this.list]) {
      if (w.wasReady) continue;
      for (const task of w.inFlight.values()) {
        if (w.claim(task) || !w.started(task)) tasks.push(task);
      }
      w.inFlight.clear();
      this.end(w, reason);
    }
    return tasks;
  }

  /** Clears the idle timer and the grace timers (the pool closed). */
  stop(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    clearTimeout(this.#respawnTimer);
    this.#respawnTimer = undefined;
    for (const timer of this.#graceTimers) clearTimeout(timer);
    this.#graceTimers.clear();
  }
}
