/**
 * How a Redis node records the outcomes of its runs: gathered and written in batches (one script
 * call for every run that ended during the previous call), tried again through a Redis outage,
 * and given up only past a deadline while the node drains, so that what is not recorded is left
 * claimed for another node to take over.
 *
 * @module
 */
import type { Outcome } from "./redis_jobs.ts";

/** What an {@linkcode OutcomeRecorder} writes with and tells. */
export interface OutcomeRecorderParts {
  /** Records a batch in one call (the finish script). */
  finish(batch: Outcome[]): Promise<unknown>;
  /** A batch was recorded. */
  recorded(batch: Outcome[]): void;
  log(error: unknown): void;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Outcomes waiting to be recorded, and the loop that records them.
 *
 * @example
 * ```ts
 * import { OutcomeRecorder } from "./outcome_recorder.ts";
 * const written: number[] = [];
 * const recorder = new OutcomeRecorder({
 *   finish: (batch) => Promise.resolve(written.push(batch.length)),
 *   recorded: () => {},
 *   log: console.error,
 * });
 * recorder.add({ id: "j1", entry: "1-0", kind: "ok", payload: "1" } as never);
 * await recorder.flush();
 * console.log(written); // [1]
 * ```
 */
export class OutcomeRecorder {
  /** While draining: when recording gives up (`performance.now()`); never before. */
  recordUntil = Infinity;
  #outcomes: Outcome[] = [];
  /** Outcomes in the finish call on its way. */
  #sending = 0;
  #flushing?: Promise<void>;
  readonly #parts: OutcomeRecorderParts;

  /** A recorder writing through `parts`. */
  constructor(parts: OutcomeRecorderParts) {
    this.#parts = parts;
  }

  /** Outcomes added and not recorded yet (waiting, or in the call on its way). */
  get pending(): number {
    return this.#outcomes.length + this.#sending;
  }

  /** Queues an outcome and makes sure the recording loop runs. */
  add(outcome: Outcome): void {
    this.#outcomes.push(outcome);
    void this.flush();
  }

  /**
   * Records the outcomes gathered so far in one script call, again and again while more come
   * in: under load, each call carries every run that ended during the previous one. Never
   * rejects.
   */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        while (this.#outcomes.length > 0) {
          const batch = this.#outcomes.splice(0, 500);
          this.#sending = batch.length;
          await this.retrying(() => this.#parts.finish(batch));
          this.#sending = 0;
          this.#parts.recorded(batch);
        }
      } catch (e) {
        // Draining past the recording deadline with Redis out of reach: these runs stay claimed
        // by this node, and another node takes them over (they run again, recorded once).
        this.#parts.log(e);
      } finally {
        this.#sending = 0;
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  /**
   * Runs `f` until it succeeds, backing off to a second: the finish and release scripts may run
   * twice (a reply lost with the connection), so trying again is always safe. Past
   * `recordUntil`, gives up (throws).
   */
  async retrying<T>(f: () => Promise<T>): Promise<T> {
    for (let wait = 50;; wait = Math.min(wait * 2, 1000)) {
      try {
        return await f();
      } catch (e) {
        const left = this.recordUntil - performance.now();
        if (left <= 0) throw e;
        this.#parts.log(e);
        await delay(Math.min(wait, left));
      }
    }
  }
}
