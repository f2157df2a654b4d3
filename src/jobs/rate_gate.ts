/**
 * The in-memory runner's rate limits: whether the next job of a key may start now under its
 * key's and its task's limits, the starts counted, and a timer that wakes the runner when a
 * limited key may start again.
 *
 * @module
 */
import type { JobRequest } from "./job.ts";

/** What of a job its limits depend on. */
type Limited = Pick<JobRequest, "task" | "rateLimit">;
import { type RateLimit, type RateLimits, RateWindows } from "./rate_limit.ts";

/**
 * Rate limits per concurrency key and per task over one window log.
 *
 * @example
 * ```ts
 * import { RateGate } from "./rate_gate.ts";
 * let now = 0;
 * const gate = new RateGate({ keys: { a: { max: 1, windowMs: 1000 } } }, () => now, () => {});
 * const job = { task: "t", input: null, concurrencyKey: "a" };
 * gate.started("a", job);
 * console.log(gate.waitMs("a", job)); // 1000
 * gate.close();
 * ```
 */
export class RateGate {
  #limits: RateLimits;
  #now: () => number;
  #wake: () => void;
  #windows = new RateWindows();
  /** Keys found limited, and when each may start again (ms). */
  #limited = new Map<string, number>();
  #timer?: ReturnType<typeof setTimeout>;
  #timerAt = Infinity;

  constructor(limits: RateLimits, now: () => number, wake: () => void) {
    this.#limits = limits;
    this.#now = now;
    this.#wake = wake;
  }

  /** The limit of `key` for `request`: the job's own, else the server's for the key. */
  #keyLimit(key: string, request: Limited): RateLimit | undefined {
    return request.rateLimit ?? this.#limits.keys?.[key];
  }

  /**
   * Milliseconds until a job `request` of `key` may start (0: now). When it must wait, the key
   * counts as limited and the runner is woken when it may start.
   */
  waitMs(key: string, request: Limited): number {
    const keyLimit = this.#keyLimit(key, request);
    const taskLimit = this.#limits.tasks?.[request.task];
    if (!keyLimit && !taskLimit) return 0;
    const now = this.#now();
    const wait = Math.max(
      keyLimit ? this.#windows.waitMs(`k:${key}`, keyLimit, now) : 0,
      taskLimit ? this.#windows.waitMs(`t:${request.task}`, taskLimit, now) : 0,
    );
    if (wait <= 0) return 0;
    this.#limited.set(key, now + wait);
    this.#arm(wait);
    return wait;
  }

  /**
   * Counts the start of a job `request` of `key` at `now` (pass the start the job records, so
   * that the limit and the job's `startedAt` agree to the millisecond).
   */
  started(key: string, request: Limited, now: number = this.#now()): void {
    this.#limited.delete(key);
    const keyLimit = this.#keyLimit(key, request);
    const taskLimit = this.#limits.tasks?.[request.task];
    if (!keyLimit && !taskLimit) return;
    if (keyLimit) this.#windows.record(`k:${key}`, now, keyLimit);
    if (taskLimit) this.#windows.record(`t:${request.task}`, now, taskLimit);
  }

  /** The keys limited now, with when each may start again (ms). */
  limited(): Map<string, number> {
    const now = this.#now();
    for (const [key, at] of this.#limited) if (at <= now) this.#limited.delete(key);
    return new Map(this.#limited);
  }

  /** Stops the wake-up timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(waitMs: number): void {
    const at = performance.now() + waitMs;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#wake();
    }, Math.ceil(waitMs));
  }
}
