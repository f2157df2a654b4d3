// What the rate-limit tests share, whatever the store: the jobs as the server shows them, the
// sliding-window bound computed from start times, and submitting a batch and waiting for it.
import assert from "node:assert/strict";
import { call } from "../server/server_helpers.ts";
import { until } from "../redis/redis_helpers.ts";

/** A job as GET /jobs/:id shows it, the fields these tests read. */
export type Job = {
  id: string;
  status: string;
  startedAt?: string;
  waitingFor?: string;
  notBefore?: string;
};

/** The largest number of starts within any window of `windowMs` (the sliding-window bound). */
export function mostInWindow(starts: number[], windowMs: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < s.length; j++) {
    while (s[j] - s[i] >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** Submits `jobs` as one batch to the server at `url`; returns their ids. */
export async function submit(url: string, jobs: unknown[]): Promise<string[]> {
  const r = await call(`${url}/jobs/batch`, { json: jobs });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.map((j: { id: string }) => j.id);
}

/** Waits until every job of `ids` succeeded (at most `deadlineMs`); returns them. */
export async function finished(url: string, ids: string[], deadlineMs: number): Promise<Job[]> {
  return await until("the jobs", async () => {
    const jobs: Job[] = await Promise.all(
      ids.map(async (id) => (await call(`${url}/jobs/${id}`)).body),
    );
    return jobs.every((j) => j.status === "succeeded") ? jobs : undefined;
  }, deadlineMs);
}
