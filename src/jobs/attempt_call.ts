/**
 * The pool call of one attempt of a job held in the in-memory store: its input parsed from the
 * JSON text the store holds (then let go), its run options, its cancel, and its timeout kept on
 * the shared deadline lists (one timer per length, see `wait_deadlines.ts`) rather than a timer
 * per task in the pool: at the deadline the attempt is cancelled with the pool's own
 * `TimeoutError`.
 *
 * The cancel is the pool's cancel hook when the pool honours one (workloom's `Pool` does; see
 * `src/engine/cancel_hook.ts`), else an `AbortController`'s signal in the options: the hook
 * spares each job a controller and the task's abort listener.
 *
 * @module
 */
import { CANCEL_HOOK, CancelHook, type HookedOptions } from "../engine/cancel_hook.ts";
import type { RunOptions } from "../engine/run_options.ts";
import { TimeoutError } from "../errors.ts";
import type { JobRequest } from "./job.ts";
import type { RunnerCall, RunnerPool } from "./job_backend.ts";
import type { StoredJob } from "./stored_job.ts";
import { atDeadline } from "./wait_deadlines.ts";

/** How the runner cancels one attempt it handed the pool: once, with `reason` kept. */
export interface AttemptCancel {
  /** The error the attempt was cancelled with; undefined until then. */
  readonly reason: Error | undefined;
  /** Cancels the attempt wherever it is in the pool; a second cancel does nothing. */
  cancel(error: Error): void;
}

/** An attempt's cancel through an `AbortSignal`, for a pool that honours no cancel hook. */
class SignalCancel implements AttemptCancel {
  readonly controller = new AbortController();

  get reason(): Error | undefined {
    return this.controller.signal.aborted ? this.controller.signal.reason : undefined;
  }

  cancel(error: Error): void {
    this.controller.abort(error);
  }
}

/** True when `pool` takes a cancel hook in a call's options (see `cancel_hook.ts`). */
export function honoursCancelHook(pool: RunnerPool): boolean {
  return (pool as { [CANCEL_HOOK]?: unknown })[CANCEL_HOOK] === true;
}

/**
 * A new attempt's cancel: the pool's hook when the pool honours one (`hooked`), else an abort
 * signal's.
 *
 * @example
 * ```ts
 * import { attemptCancel } from "./attempt_call.ts";
 * const cancel = attemptCancel(false);
 * cancel.cancel(new Error("stop"));
 * console.log(cancel.reason?.message); // "stop"
 * ```
 */
export function attemptCancel(hooked: boolean): AttemptCancel {
  return hooked ? new CancelHook() : new SignalCancel();
}

/**
 * The pool's options for one attempt of `request`: its priority, timeout and stage, its `cancel`
 * (the pool's hook, or a signal), and where its progress goes. Every job runner calls the pool
 * with these.
 *
 * @example
 * ```ts
 * import { attemptCancel, attemptOptions } from "./attempt_call.ts";
 * const o = attemptOptions({ task: "t", priority: 2 }, attemptCancel(false), () => {});
 * console.log(o.priority, o.signal instanceof AbortSignal); // 2 true
 * ```
 */
export function attemptOptions(
  request: Omit<JobRequest, "input">,
  cancel: AttemptCancel,
  onProgress: (value: unknown) => void,
): RunOptions {
  const { priority, timeoutMs, stage } = request;
  const options: HookedOptions = { priority, timeoutMs, stage, onProgress };
  if (cancel instanceof SignalCancel) options.signal = cancel.controller.signal;
  else options[CANCEL_HOOK] = cancel as CancelHook;
  return options;
}

/**
 * The call for an attempt of record `r` with its `cancel` (through a hook when `hooked`, else a
 * signal), and `stopDeadline` (when the job has a timeout) to let go of its deadline once the
 * attempt settled.
 *
 * @example
 * ```ts
 * import { attemptCall } from "./attempt_call.ts";
 * const r = { request: { task: "echo", timeoutMs: 1000 }, input: "1" } as Parameters<typeof attemptCall>[0];
 * const { call, cancel, stopDeadline } = attemptCall(r, true, () => {});
 * console.log(call.input, call.options?.timeoutMs); // 1 undefined
 * cancel.cancel(new Error("not needed"));
 * console.log(cancel.reason?.message); // "not needed"
 * stopDeadline?.();
 * ```
 */
export function attemptCall(
  r: Pick<StoredJob, "request" | "input">,
  hooked: boolean,
  onProgress: (value: unknown) => void,
): { call: RunnerCall; cancel: AttemptCancel; stopDeadline?: () => void } {
  const { request } = r;
  const input = r.input === undefined ? undefined : JSON.parse(r.input);
  const cancel = attemptCancel(hooked);
  const options = attemptOptions(request, cancel, onProgress);
  const call = { name: request.task, input, options };
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return { call, cancel };
  // Every job has a timeout (the server's default when it names none): one timer per length.
  options.timeoutMs = undefined;
  const stopDeadline = atDeadline(
    () => cancel.cancel(new TimeoutError(request.task, timeoutMs)),
    timeoutMs,
  );
  return { call, cancel, stopDeadline };
}
