/**
 * The errors callers are meant to catch. Each sets `name`, keeps `cause`, and is exported from
 * `mod.ts`. Wrong options are plain `TypeError`/`RangeError` (see `validate.ts`).
 *
 * @module
 */

/**
 * `run()` was called while the bounded queue was full and the pool uses `onFull: "reject"`.
 *
 * @example
 * ```ts
 * import { QueueFullError } from "./errors.ts";
 * const e = new QueueFullError(1024);
 * console.log(e.name, e.maxQueue); // "QueueFullError" 1024
 * ```
 */
export class QueueFullError extends Error {
  override name = "QueueFullError";
  /** The queue bound that was reached. */
  readonly maxQueue: number;
  constructor(maxQueue: number, options?: ErrorOptions) {
    super(
      `Cannot queue the task as the queue is full: ${maxQueue} tasks are waiting ` +
        `(raise 'maxQueue' or create the pool with onFull: "wait")`,
      options,
    );
    this.maxQueue = maxQueue;
  }
}

/**
 * A task ran past its `timeoutMs`.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "./errors.ts";
 * console.log(new TimeoutError("render", 50).message);
 * ```
 */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  /** The task name. */
  readonly task: string;
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;
  constructor(task: string, timeoutMs: number, options?: ErrorOptions) {
    super(`Task '${task}' timed out after ${timeoutMs} ms`, options);
    this.task = task;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The worker running a task died (uncaught error, `process.exit`, out of memory, terminated).
 *
 * @example
 * ```ts
 * import { WorkerCrashedError } from "./errors.ts";
 * console.log(new WorkerCrashedError("render", "exit code 1").name); // "WorkerCrashedError"
 * ```
 */
export class WorkerCrashedError extends Error {
  override name = "WorkerCrashedError";
  /** The task that was running when the worker died. */
  readonly task: string;
  constructor(task: string, reason: string, options?: ErrorOptions) {
    super(`The worker running task '${task}' crashed: ${reason}`, options);
    this.task = task;
  }
}

/**
 * The child process running a task stopped answering heartbeats (its event loop was blocked
 * outside a task's own synchronous call) and was killed. A `WorkerCrashedError`, so code that
 * catches crashes catches this too.
 *
 * @example
 * ```ts
 * import { WorkerUnresponsiveError } from "./errors.ts";
 * console.log(new WorkerUnresponsiveError("render", "2 heartbeats missed").name); // "WorkerUnresponsiveError"
 * ```
 */
export class WorkerUnresponsiveError extends WorkerCrashedError {
  override name = "WorkerUnresponsiveError";
  constructor(task: string, reason: string, options?: ErrorOptions) {
    super(task, reason, options);
  }
}

/**
 * No worker could be started: the task module ended its worker while loading, never finished
 * loading within `startTimeoutMs`, or the runtime refused to start the worker (Deno without
 * `--allow-read`, say), `maxStartFailures` times in a row. The message says why the last start
 * failed. The pool stays open; the next call tries to start a worker again.
 *
 * @example
 * ```ts
 * import { WorkerStartError } from "./errors.ts";
 * console.log(new WorkerStartError("the worker exited with code 3", 3).name); // "WorkerStartError"
 * ```
 */
export class WorkerStartError extends Error {
  override name = "WorkerStartError";
  /** Start-up failures in a row that led to this error. */
  readonly attempts: number;
  constructor(reason: string, attempts: number, options?: ErrorOptions) {
    super(
      `Cannot start a worker (${attempts} failed start${
        attempts === 1 ? "" : "s"
      } in a row): ${reason}`,
      options,
    );
    this.attempts = attempts;
  }
}

/**
 * The pool was closed before the task could run, or `run()` was called after `close()`.
 *
 * @example
 * ```ts
 * import { PoolClosedError } from "./errors.ts";
 * console.log(new PoolClosedError().message);
 * ```
 */
export class PoolClosedError extends Error {
  override name = "PoolClosedError";
  constructor(message = "The pool is closed", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A task threw inside the worker. `name`, `message` and `stack` are the original ones; `code`
 * is kept when the thrown error had one.
 *
 * @example
 * ```ts
 * import { TaskError } from "./errors.ts";
 * const e = new TaskError("render", { name: "RangeError", message: "bad page" });
 * console.log(e.name, e.task); // "RangeError" "render"
 * ```
 */
export class TaskError extends Error {
  /** The task that threw. */
  readonly task: string;
  /** The error's `code`, when it had one. */
  readonly code?: string | number;
  constructor(
    task: string,
    info: { name: string; message: string; stack?: string; code?: string | number },
    options?: ErrorOptions,
  ) {
    super(info.message, options);
    this.name = info.name;
    this.task = task;
    if (info.code !== undefined) this.code = info.code;
    if (info.stack) this.stack = info.stack;
  }
}

/**
 * Creates the `AbortError` a cancelled task rejects with: the signal's own reason when it is an
 * Error, else a `DOMException` named `AbortError`.
 *
 * @example
 * ```ts
 * import { abortError } from "./errors.ts";
 * const c = new AbortController();
 * c.abort();
 * console.log(abortError(c.signal).name); // "AbortError"
 * ```
 */
export function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException("The task was aborted", "AbortError");
}
