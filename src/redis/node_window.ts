/**
 * The take window of one Redis node, measured: how many jobs it holds at once, from its pool's
 * task slots and two times it keeps measuring (a task's run time in the pool, a take's round trip
 * to Redis). The sizing itself is the pure `takeWindow`; this keeps its inputs.
 *
 * @module
 */
import { emaStep } from "../metrics/ema.ts";
import type { RunnerPool } from "../jobs/job_backend.ts";
import { takeWindow } from "./take_window.ts";

/**
 * The measured inputs of a node's take window and the window they give.
 *
 * @example
 * ```ts
 * import { NodeWindow } from "./node_window.ts";
 * const pool = { run: () => Promise.resolve(), whenRoom: () => Promise.resolve() };
 * const w = new NodeWindow(pool, undefined);
 * console.log(w.capacity()); // 2: twice one slot before anything was measured
 * w.tookFor(0.5);
 * ```
 */
export class NodeWindow {
  #pool: RunnerPool;
  #fixed: number | undefined;
  /** How long a task runs in a worker lately (the pool's measure), and a take's round trip, in ms. */
  #runMs?: number;
  #roundTripMs?: number;
  #measuredAt = -Infinity;

  /** `fixed` is the node's `concurrency` option: the window when given. */
  constructor(pool: RunnerPool, fixed: number | undefined) {
    this.#pool = pool;
    this.#fixed = fixed;
  }

  /** Jobs held here at most: by the pool's auto-tuned size and the measured times, or the option. */
  capacity(): number {
    if (this.#fixed !== undefined) return this.#fixed;
    // The task slots of the workers alive, or of those the pool (or its autotuner) aims for:
    // workers start with the first task, and an idle pool may have none.
    const stats = this.#pool.stats?.();
    const slots = Math.max(1, stats?.concurrency ?? 0, stats?.targetWorkers ?? 0);
    return takeWindow(slots, { runMs: this.#runMs, roundTripMs: this.#roundTripMs });
  }

  /**
   * Reads the pool's recent run time per task, weighted by how often each task ran, at most
   * every 200 ms (a metrics snapshot is not free).
   */
  measureRuns(): void {
    const now = performance.now();
    if (now - this.#measuredAt < 200) return;
    this.#measuredAt = now;
    const tasks = this.#pool.metrics?.().tasks ?? [];
    let count = 0;
    let sum = 0;
    for (const t of tasks) {
      count += t.count;
      sum += t.count * t.recent.runMs;
    }
    if (count > 0) this.#runMs = sum / count;
  }

  /** Counts one take's round trip to Redis, in ms. */
  tookFor(ms: number): void {
    this.#roundTripMs = emaStep(this.#roundTripMs ?? null, ms, 0.1);
  }
}
