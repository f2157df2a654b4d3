/**
 * The attempts the in-memory runner has handed the pool and not yet seen settle: each with its
 * cancel and deadline, and how many run per concurrency key (its `keyConcurrency`).
 *
 * @module
 */

import type { AttemptCancel } from "./attempt_call.ts";

/** One attempt handed to the pool. */
export interface Running {
  cancel: AttemptCancel;
  key: string;
  /** Lets go of the attempt's deadline (its `timeoutMs`), once it settled. */
  stopDeadline?: () => void;
  /** Settles once the attempt's outcome is stored (set as the attempt is handed to the pool). */
  done: Promise<void> | undefined;
}

/**
 * Running attempts by job id, counted per concurrency key.
 *
 * @example
 * ```ts
 * import { CancelHook } from "../engine/cancel_hook.ts";
 * import { RunningAttempts } from "./running_attempts.ts";
 * const running = new RunningAttempts();
 * running.start("job-1", "tenant-a", new CancelHook());
 * console.log(running.perKey("tenant-a"), running.size); // 1 1
 * running.end("job-1");
 * console.log(running.perKey("tenant-a"), running.size); // 0 0
 * ```
 */
export class RunningAttempts {
  readonly #byId = new Map<string, Running>();
  readonly #perKey = new Map<string, number>();

  /** Attempts running now. */
  get size(): number {
    return this.#byId.size;
  }

  /** Attempts of concurrency key `key` running now. */
  perKey(key: string): number {
    return this.#perKey.get(key) ?? 0;
  }

  /** The attempt of job `id`, if it runs. */
  get(id: string): Running | undefined {
    return this.#byId.get(id);
  }

  /** The ids of the jobs running now (a copy). */
  ids(): string[] {
    return [...this.#byId.keys()];
  }

  /** Settles once every attempt running now has its outcome stored. */
  settled(): Promise<unknown> {
    return Promise.all([...this.#byId.values()].map((r) => r.done));
  }

  /** Counts job `id`'s attempt, of key `key`, as running. */
  start(id: string, key: string, cancel: AttemptCancel): Running {
    this.#perKey.set(key, this.perKey(key) + 1);
    const running: Running = { cancel, key, done: undefined };
    this.#byId.set(id, running);
    return running;
  }

  /** Forgets job `id`'s attempt: it settled. */
  end(id: string): void {
    const running = this.#byId.get(id);
    if (!running) return;
    this.#byId.delete(id);
    const n = this.perKey(running.key) - 1;
    if (n > 0) this.#perKey.set(running.key, n);
    else this.#perKey.delete(running.key);
  }
}
