/**
 * Long-polling: wait for a job to reach a final state, but never past a deadline.
 *
 * @module
 */
import { isFinal, type Job } from "../jobs/job.ts";
import type { JobLookup, JobStore } from "../jobs/job_store.ts";

/**
 * Resolves with the job once it is final, or with its state at `waitMs`, whichever comes
 * first; at once when it is final already or `waitMs` is 0. The waiter is settled by the very
 * store update that made the job final, so it sees the stored result. `signal` (the request's)
 * ends the wait early when the client goes away, so that no timer outlives it.
 *
 * @example
 * ```ts ignore
 * import { waitForJob } from "./wait_for_job.ts";
 * const state = await waitForJob(store, id, 5000);
 * ```
 */
export function waitForJob(
  store: JobStore,
  id: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<JobLookup> {
  const now = store.lookup(id);
  if (now.state !== "found" || isFinal(now.job.status) || waitMs <= 0 || signal?.aborted) {
    return Promise.resolve(now);
  }
  return new Promise((resolve) => {
    const done = (job?: Job, rev = 0): void => {
      clearTimeout(timer);
      stop();
      signal?.removeEventListener("abort", onAbort);
      resolve(job ? { state: "found", job, rev } : store.lookup(id));
    };
    const onAbort = (): void => done();
    const stop = store.watch(id, (change) => {
      if (isFinal(change.job.status)) done(change.job, change.rev);
    });
    const timer = setTimeout(() => done(), waitMs);
    signal?.addEventListener("abort", onAbort);
  });
}
