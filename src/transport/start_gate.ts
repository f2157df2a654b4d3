/**
 * Batched start-up for child processes: the first `batchSize` children of a pool start at once,
 * and each further batch `batchDelayMs` after the one before, so a large pool does not start a
 * hundred runtimes in the same instant and starve the machine (the seed's startup_batch_size and
 * startup_batch_delay_ms).
 *
 * @module
 */

/**
 * Hands out start times in batches.
 *
 * @example
 * ```ts
 * import { StartGate } from "./start_gate.ts";
 * const gate = new StartGate(2, 100);
 * console.log([0, 0, 0].map(() => gate.delayFor(0))); // [0, 0, 100]
 * ```
 */
export class StartGate {
  #batchStart = -Infinity;
  #inBatch = 0;

  constructor(readonly batchSize: number, readonly batchDelayMs: number) {}

  /** How long a child asked for at `now` waits before it starts (0: start it now). */
  delayFor(now: number): number {
    if (this.batchDelayMs === 0) return 0;
    // A batch that began long enough ago is over: start a new one.
    if (now >= this.#batchStart + this.batchDelayMs) {
      this.#batchStart = now;
      this.#inBatch = 0;
    }
    if (this.#inBatch < this.batchSize) {
      this.#inBatch++;
      return this.#batchStart - now;
    }
    // This batch is full: the next one starts batchDelayMs after it.
    this.#batchStart += this.batchDelayMs;
    this.#inBatch = 1;
    return this.#batchStart - now;
  }
}
