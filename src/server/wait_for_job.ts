/**
 * Long-polling: wait for a job to reach a final state, but never past a deadline.
 *
 * @module
 */
import { isFinal, type Job } from "../jobs/job.ts";
import type { JobStoreApi } from "../jobs/job_backend.ts";
import type { JobLookup } from "../jobs/job_store.ts";
import { atDeadline } from "../jobs/wait_deadlines.ts";

/**
 * Resolves with the job once it is final, or with its state at `waitMs`, whichever comes
 * first; at once when it is final already or `waitMs` is 0. The waiter is settled by the very
 * store update that made the job final, so it sees the stored result. A client that goes away
 * mid-wait is not chased: its waiter ends at the deadline (`maxWaitMs`, 30 s at most) or with the job, and
 * draining makes every job final, so no waiter outlives a shutdown.
 *
 * @example
 * ```ts ignore
 * import { waitForJob } from "./wait_for_job.ts";
 * const state = await waitForJob(store, id, 5000);
 * ```
 */
export async function waitForJob(
  store: JobStoreApi,
  id: string,
  waitMs: number,
): Promise<JobLookup> {
  if (waitMs <= 0) return store.lookup(id);
  let settle: (job?: Job, rev?: number) => void = () => {};
  const settled = new Promise<JobLookup | undefined>((resolve) => {
    settle = (job, rev = 0) => resolve(job ? { state: "found", job, rev } : undefined);
  });
  // Watch before reading the state now: with a store that answers later (Redis), a change
  // between the read and the watch would otherwise be missed.
  const stop = store.watch(id, (change) => {
    if (change.job && isFinal(change.job.status)) settle(change.job, change.rev);
  });
  const cancel = atDeadline(() => settle(), waitMs);
  try {
    const now = await store.lookup(id);
    if (now.state !== "found" || isFinal(now.job.status)) return now;
    return (await settled) ?? await store.lookup(id);
  } finally {
    cancel();
    stop();
  }
}
