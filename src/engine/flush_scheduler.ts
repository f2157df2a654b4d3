/**
 * When the pool's dispatch runs. Urgent (a worker could start a task now): in a microtask, so a
 * lone task leaves at once. Otherwise (every worker busy, so more tasks would only be prefetched):
 * one macrotask later, so that results already on their way arrive first and the next batch is
 * large; dispatching in a microtask there degenerates into many small messages (measured: ~9
 * tasks per message instead of ~125).
 *
 * @module
 */

/**
 * Runs `flush` at most once per scheduling, soon or a macrotask later.
 *
 * @example
 * ```ts
 * import { FlushScheduler } from "./flush_scheduler.ts";
 * const s = new FlushScheduler(() => console.log("flush"));
 * s.schedule(true); // logs "flush" in a microtask
 * s.close();
 * ```
 */
export class FlushScheduler {
  #queued = false;
  #channel: MessageChannel | undefined;
  readonly #run: () => void;

  constructor(flush: () => void) {
    this.#run = () => {
      this.#queued = false;
      flush();
    };
  }

  /** True while a flush is scheduled and has not run. */
  get pending(): boolean {
    return this.#queued;
  }

  /** Schedules one flush; calls while one is pending do nothing. */
  schedule(urgent: boolean): void {
    if (this.#queued) return;
    this.#queued = true;
    if (urgent) queueMicrotask(this.#run);
    else this.#macrotask();
  }

  /**
   * Releases the channel when no flush is pending (the pool went idle): an open port with a
   * listener keeps the process alive. The next macrotask flush opens a new one.
   */
  release(): void {
    if (!this.#queued) this.close();
  }

  /** Releases the channel: an open port with a listener keeps the event loop alive. */
  close(): void {
    this.#channel?.port1.close();
    this.#channel?.port2.close();
    this.#channel = undefined;
  }

  // A message to ourselves is the cheapest macrotask on Deno and Bun: setTimeout(0) is clamped
  // to about 1 ms, which would cap throughput at one batch per millisecond.
  #macrotask(): void {
    if (!this.#channel) {
      this.#channel = new MessageChannel();
      this.#channel.port2.onmessage = this.#run;
    }
    this.#channel.port1.postMessage(null);
  }
}
