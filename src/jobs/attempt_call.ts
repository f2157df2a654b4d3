/**
 * The pool call of one attempt of a job held in the in-memory store: its input parsed from the
 * JSON text the store holds (then let go), its run options, and its timeout kept on the shared
 * deadline lists (one timer per length, see `wait_deadlines.ts`) rather than a timer per task in
 * the pool: at the deadline the attempt is aborted with the pool's own `TimeoutError`.
 *
 * @module
 */
import { TimeoutError } from "../errors.ts";
import { attemptOptions } from "./job.ts";
import type { RunnerCall } from "./job_backend.ts";
import type { StoredJob } from "./stored_job.ts";
import { atDeadline } from "./wait_deadlines.ts";

/**
 * The call for an attempt of record `r`, aborted through `controller`, and `stopDeadline` (when
 * the job has a timeout) to let go of its deadline once the attempt settled.
 *
 * @example
 * ```ts
 * import { attemptCall } from "./attempt_call.ts";
 * const r = { request: { task: "echo", timeoutMs: 1000 }, input: "1" } as Parameters<typeof attemptCall>[0];
 * const { call, stopDeadline } = attemptCall(r, new AbortController(), () => {});
 * console.log(call.input, call.options?.timeoutMs); // 1 undefined
 * stopDeadline?.();
 * ```
 */
export function attemptCall(
  r: Pick<StoredJob, "request" | "input">,
  controller: AbortController,
  onProgress: (value: unknown) => void,
): { call: RunnerCall; stopDeadline?: () => void } {
  const { request } = r;
  const input = r.input === undefined ? undefined : JSON.parse(r.input);
  const options = attemptOptions(request, controller.signal, onProgress);
  const call = { name: request.task, input, options };
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return { call };
  // Every job has a timeout (the server's default when it names none): one timer per length.
  options.timeoutMs = undefined;
  const stopDeadline = atDeadline(
    () => controller.abort(new TimeoutError(request.task, timeoutMs)),
    timeoutMs,
  );
  return { call, stopDeadline };
}
