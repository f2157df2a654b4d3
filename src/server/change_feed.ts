/**
 * The changes of one job waiting to be sent on one event stream, bounded: a progress change
 * replaces a progress change not yet sent (each carries the whole job, so only the latest
 * matters), and a client more than `maxPending` changes behind is told to reconnect.
 *
 * @module
 */
import type { JobChange } from "../jobs/job_store.ts";

/** A change a feed holds: a `behind` is not held, it makes the feed lagging. */
export type FedChange = Exclude<JobChange, { kind: "behind" }>;

/**
 * A bounded, coalescing queue of job changes for one stream.
 *
 * @example
 * ```ts
 * import { ChangeFeed } from "./change_feed.ts";
 * const feed = new ChangeFeed(8);
 * const job = { id: "a", status: "running" } as never;
 * feed.push({ job, rev: 1, kind: "progress" });
 * feed.push({ job, rev: 2, kind: "progress" });
 * console.log(feed.size, feed.shift()?.rev); // 1 2
 * ```
 */
export class ChangeFeed {
  #pending: FedChange[] = [];
  #lagging = false;
  readonly #max: number;
  #wake: (() => void) | undefined;

  /** A feed that holds at most `maxPending` changes (after coalescing). */
  constructor(maxPending: number) {
    this.#max = maxPending;
  }

  /** Changes waiting. */
  get size(): number {
    return this.#pending.length;
  }

  /** True once the client fell more than `maxPending` changes behind: the feed is dropped. */
  get lagging(): boolean {
    return this.#lagging;
  }

  /** Adds a change, coalescing progress; wakes a waiting {@linkcode ChangeFeed.wait}. */
  push(change: JobChange): void {
    if (this.#lagging) return;
    const last = this.#pending.at(-1);
    if (change.kind === "behind") {
      // Chunks this stream would send next are gone: the client resumes, and learns of the gap.
      this.#pending.length = 0;
      this.#lagging = true;
    } else if (last && last.kind === "progress" && change.kind === "progress") {
      this.#pending[this.#pending.length - 1] = change;
    } else if (this.#pending.length >= this.#max) {
      // Too far behind to catch up change by change: keep nothing, and let the stream say so.
      this.#pending.length = 0;
      this.#lagging = true;
    } else {
      this.#pending.push(change);
    }
    this.#wake?.();
  }

  /** Puts a change first (the state read when the stream opens). */
  unshift(change: FedChange): void {
    this.#pending.unshift(change);
  }

  /** The oldest change waiting, removed. */
  shift(): FedChange | undefined {
    return this.#pending.shift();
  }

  /**
   * Resolves when a change arrives or `ms` pass (true when the time passed with nothing new).
   * Ends its timer either way.
   */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#pending.length || this.#lagging || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (quiet: boolean): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        signal?.removeEventListener("abort", onAbort);
        resolve(quiet);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(true), ms);
      this.#wake = () => done(false);
      signal?.addEventListener("abort", onAbort);
    });
  }
}
