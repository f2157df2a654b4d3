/**
 * What a node logs through a Redis outage: one line when Redis goes out of reach, one summary
 * at most every few seconds while it stays so (instead of one line per failed command, retry
 * and reconnection attempt), and one line when it answers again.
 *
 * @module
 */
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";

/**
 * A rate-limited log of one Redis's outages.
 *
 * @example
 * ```ts
 * import { OutageLog } from "./outage_log.ts";
 * const lines: unknown[] = [];
 * const log = new OutageLog((e) => lines.push(e), { what: "Redis at redis://127.0.0.1:6379" });
 * log.health("connect ECONNREFUSED");
 * log.error(new Error("connect ECONNREFUSED")); // held back: the outage is logged already
 * log.health(undefined); // "… answers again after 0 s (1 error held back)"
 * console.log(lines.length); // 2
 * ```
 */
export class OutageLog {
  #log: (e: unknown) => void;
  #what: string;
  #everyMs: number;
  #now: () => number;
  #downSince?: number;
  #held = 0;
  #heldTotal = 0;
  #lastReport = 0;
  #lastMessage = "";

  constructor(
    log: (e: unknown) => void,
    options: { what: string; everyMs?: number; now?: () => number },
  ) {
    this.#log = log;
    this.#what = options.what;
    this.#everyMs = options.everyMs ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** True while an outage is on. */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /** Hears the connection's health: the reason it is out of reach, or undefined once it answers. */
  health(reason: string | undefined): void {
    const now = this.#now();
    if (reason !== undefined) {
      if (this.#downSince !== undefined) return;
      this.#downSince = now;
      this.#lastReport = now;
      this.#held = 0;
      this.#heldTotal = 0;
      this.#log(new QueueUnavailableError(`${this.#what} is out of reach: ${reason}`));
      return;
    }
    if (this.#downSince === undefined) return;
    const seconds = Math.round((now - this.#downSince) / 1000);
    const held = this.#heldTotal + this.#held;
    this.#downSince = undefined;
    this.#log(
      `${this.#what} answers again after ${seconds} s (${held} error${
        held === 1 ? "" : "s"
      } held back)`,
    );
  }

  /** Logs `e`, or only counts it while an outage is on (a summary line every few seconds). */
  error(e: unknown): void {
    if (this.#downSince === undefined) {
      if (!(e instanceof QueueUnavailableError)) return this.#log(e);
      // The link reports its health before it rejects: this one starts an outage.
      this.health(e.message);
      return;
    }
    this.#held++;
    this.#lastMessage = (e as Error)?.message ?? String(e);
    const now = this.#now();
    if (now - this.#lastReport < this.#everyMs) return;
    const seconds = Math.round((now - this.#downSince) / 1000);
    this.#log(
      new QueueUnavailableError(
        `${this.#what} still out of reach after ${seconds} s: ${this.#held} errors held back, ` +
          `the last: ${this.#lastMessage}`,
      ),
    );
    this.#heldTotal += this.#held;
    this.#held = 0;
    this.#lastReport = now;
  }
}
