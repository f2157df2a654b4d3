/**
 * The pool's workers as a set: starting them, retiring them (at once when idle, after their last
 * task otherwise), and reaping those idle past the timeout down to the minimum. What happens to
 * their tasks is the pool's business; this only keeps the list and the idle timer.
 *
 * @module
 */
import type { Task } from "./task.ts";
import type { LinkEvents, SpawnLink, WorkerLink } from "../transport/worker_link.ts";

/** What the set tells its pool. */
export interface WorkerSetHooks {
  spawned(w: WorkerLink<Task>): void;
  removed(w: WorkerLink<Task>, reason: string): void;
}

/**
 * The live workers of one pool.
 *
 * @example
 * ```ts ignore
 * const idle = { minWorkers: 1, idleTimeoutMs: 5000, startTimeoutMs: 10_000 };
 * const set = new WorkerSet(moduleUrl, spawnWebWorker, events, hooks, idle);
 * const w = set.spawn(1);
 * ```
 */
export class WorkerSet {
  /** Workers, in the order they started; retiring ones included until they end. */
  readonly list: WorkerLink<Task>[] = [];
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Removed workers not yet gone (a child process still being reaped). */
  #going = new Set<Promise<void>>();

  constructor(
    readonly moduleUrl: string,
    readonly spawnLink: SpawnLink,
    readonly events: LinkEvents<Task>,
    readonly hooks: WorkerSetHooks,
    readonly idle: { minWorkers: number; idleTimeoutMs: number; startTimeoutMs: number },
  ) {}

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
  spawn(concurrency: number): WorkerLink<Task> {
    const { startTimeoutMs } = this.idle;
    const options = { moduleUrl: this.moduleUrl, concurrency, startTimeoutMs };
    const w = this.spawnLink(this.#nextId++, options, this.events);
    this.list.push(w);
    this.hooks.spawned(w);
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
    this.hooks.removed(w, reason);
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

  /** Ends workers idle for `idleTimeoutMs`, keeping `minWorkers`; one timer for the whole set. */
  armIdleTimer(): void {
    const { minWorkers, idleTimeoutMs } = this.idle;
    if (this.#idleTimer !== undefined || this.list.length <= minWorkers) return;
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
      if (this.list.some((w) => w.inFlight.size === 0)) this.armIdleTimer();
    }, idleTimeoutMs);
  }

  /**
   * After `graceMs`, calls `stuck` if the cancelled `task` is still running in `w`: a task that
   * ignores cancellation would hold its worker forever. A task still waiting in the worker
   * (behind a busy one, or in a worker still starting) will see its cancelled flag when its turn
   * comes and never run: replacing the worker then would only fail the innocent task running there.
   */
  watchCancelled(w: WorkerLink<Task>, task: Task, graceMs: number, stuck: () => void): void {
    const timer = setTimeout(() => {
      this.#graceTimers.delete(timer);
      if (task.worker === w && w.inFlight.has(task.id) && w.started(task)) stuck();
    }, graceMs);
    this.#graceTimers.add(timer);
  }

  /** Clears the idle timer and the grace timers (the pool closed). */
  stop(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    for (const timer of this.#graceTimers) clearTimeout(timer);
    this.#graceTimers.clear();
  }
}
