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
 * store update that made the job final, so it sees the stored result. A client that goes away
 * mid-wait is not chased: its waiter ends at the deadline (30 s at most) or with the job, and
 * draining makes every job final, so no waiter outlives a shutdown.
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
): Promise<JobLookup> {
  const now = store.lookup(id);
  if (now.state !== "found" || isFinal(now.job.status) || waitMs <= 0) {
    return Promise.resolve(now);
  }
  return new Promise((resolve) => {
    const done = (job?: Job, rev = 0): void => {
      clearTimeout(timer);
      stop();
      resolve(job ? { state: "found", job, rev } : store.lookup(id));
    };
    const stop = store.watch(id, (change) => {
      if (isFinal(change.job.status)) done(change.job, change.rev);
    });
    const timer = setTimeout(() => done(), waitMs);
  });
}
