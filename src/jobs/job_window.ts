/**
 * How the in-memory runner hands jobs to the pool: many in one hand-off (`handOff`), and how
 * many ahead when its `concurrency` is not fixed (`HandOffWindow`): enough for about
 * `WINDOW_WORK_MS` of work per task slot by the tasks' measured run time. Short jobs then reach
 * the pool in batches large enough to fill one message per worker, while the work already handed
 * over, which fairness and priorities can no longer reorder, stays about a millisecond per slot:
 * a high-priority job or another tenant's waits no longer than that.
 *
 * @module
 */
import type { RunnerCall, RunnerPool } from "./job_backend.ts";

/** Work handed ahead per task slot, in ms of the tasks' recent run time. */
export const WINDOW_WORK_MS = 1;

/**
 * Jobs handed ahead per task slot at most (the shortest jobs). A larger window makes fewer, larger
 * hand-offs: 256 ran batched no-op jobs about 13 % faster on Bun (none on Deno), but every
 * hand-off and every worker's results then hold the server's thread longer, and under a flood of
 * batches a tenant's jobs, an urgent job and `/healthz` waited 1.4–2.9x as long (bench/jobs.ts).
 * Fairness is not traded for throughput: 64.
 */
export const MAX_WINDOW_PER_SLOT = 64;

/**
 * The window for `slots` task slots and a recent run time of `runMs` per task: 2 per slot (the
 * fixed default's) before anything was measured and for jobs of a millisecond or more, up to
 * `MAX_WINDOW_PER_SLOT` for the shortest.
 *
 * @example
 * ```ts
 * import { jobWindow } from "./job_window.ts";
 * console.log(jobWindow(2, undefined), jobWindow(2, 5), jobWindow(2, 0.1), jobWindow(2, 0)); // 4 4 20 128
 * ```
 */
export function jobWindow(slots: number, runMs: number | undefined): number {
  const s = Math.max(1, Math.floor(slots));
  if (runMs === undefined) return 2 * s;
  const perSlot = Math.ceil(WINDOW_WORK_MS / Math.max(runMs, 1e-6));
  return s * Math.min(MAX_WINDOW_PER_SLOT, Math.max(2, perSlot));
}

/**
 * A runner's hand-off window over `pool`: `fixed` when given, else `jobWindow` of the pool's
 * task slots and its tasks' recent run time, read from `pool.metrics()` at most every 200 ms (a
 * metrics snapshot is not free), weighted by how often each task ran.
 *
 * @example
 * ```ts
 * import { HandOffWindow } from "./job_window.ts";
 * const pool = { run: () => Promise.resolve(), whenRoom: () => Promise.resolve() };
 * console.log(new HandOffWindow(pool, 8).size, new HandOffWindow(pool).size); // 8 2
 * ```
 */
export class HandOffWindow {
  #pool: RunnerPool;
  #fixed: number | undefined;
  #runMs: number | undefined;
  #measuredAt = -Infinity;

  constructor(pool: RunnerPool, fixed?: number) {
    this.#pool = pool;
    this.#fixed = fixed;
  }

  /** Jobs to hand the pool at most now. */
  get size(): number {
    if (this.#fixed !== undefined) return this.#fixed;
    this.#measure();
    const stats = this.#pool.stats?.();
    const slots = Math.max(1, stats?.concurrency ?? 0, stats?.targetWorkers ?? 0);
    return jobWindow(slots, this.#runMs);
  }

  #measure(): void {
    const now = performance.now();
    if (now - this.#measuredAt < 200 || !this.#pool.metrics) return;
    this.#measuredAt = now;
    let count = 0;
    let sum = 0;
    for (const t of this.#pool.metrics().tasks) {
      count += t.count;
      sum += t.count * t.recent.runMs;
    }
    if (count > 0) this.#runMs = sum / count;
  }
}

/**
 * The pool's promises for `calls`: one hand-off (`runMany`, one dispatch turn, one message per
 * worker) when the pool takes many at once, else a `run()` each. A call the pool refuses at once
 * gets a rejected promise, as its job's attempt failing.
 *
 * @example
 * ```ts
 * import { handOff } from "./job_window.ts";
 * const pool = { run: (_: string, x: unknown) => Promise.resolve(x), whenRoom: () => Promise.resolve() };
 * console.log(await Promise.all(handOff(pool, [{ name: "t", input: 1 }]))); // [ 1 ]
 * ```
 */
export function handOff(pool: RunnerPool, calls: RunnerCall[]): Promise<unknown>[] {
  if (pool.runMany) {
    try {
      return pool.runMany(calls);
    } catch (e) {
      return calls.map(() => Promise.reject(e));
    }
  }
  return calls.map((c) => {
    try {
      return pool.run(c.name, c.input, c.options);
    } catch (e) {
      return Promise.reject(e);
    }
  });
}
