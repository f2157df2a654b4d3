/**
 * Single submissions to a Redis queue, gathered: the first goes to Redis at once, and those that
 * come while a call is on its way go together in the next call (the submit script's `each`
 * mode: each job checked and added on its own, with its own verdict). Under load, one call
 * carries every submission that came during the previous one; alone, a submission waits for
 * nothing.
 *
 * @module
 */
import type { NewJob } from "./submit_args.ts";

/** What a submission hears: when it was added, or the job holding its idempotency key. */
export type Verdict = { replay?: string; submittedAt: number };

/** Sends the jobs of one client in one call, one verdict (or error) per job, in order. */
export type SubmitEach = (
  jobs: NewJob[],
  client: string,
) => Promise<(Verdict | { error: Error })[]>;

interface Pending {
  job: NewJob;
  client: string;
  resolve: (v: Verdict) => void;
  reject: (e: unknown) => void;
}

/** Jobs in one call at most. */
const MAX_BATCH = 1000;

/**
 * Gathers single submissions into calls.
 *
 * @example
 * ```ts
 * import { SubmitBatcher } from "./submit_batcher.ts";
 * const calls: number[] = [];
 * const b = new SubmitBatcher((jobs) => {
 *   calls.push(jobs.length);
 *   return Promise.resolve(jobs.map(() => ({ submittedAt: 1 })));
 * });
 * await Promise.all([1, 2, 3].map((i) => b.submit({ id: `j${i}`, request: { task: "t", input: null } }, "")));
 * console.log(calls); // [1, 2]
 * ```
 */
export class SubmitBatcher {
  #send: SubmitEach;
  #pending: Pending[] = [];
  #sending = false;

  constructor(send: SubmitEach) {
    this.#send = send;
  }

  /** Submits `job` for `client` ('' for none): in the next call, or now when none is on its way. */
  submit(job: NewJob, client: string): Promise<Verdict> {
    return new Promise<Verdict>((resolve, reject) => {
      this.#pending.push({ job, client, resolve, reject });
      if (!this.#sending) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        // The script takes one client per call: one call per client, side by side.
        const byClient = new Map<string, Pending[]>();
        for (const p of batch) {
          const list = byClient.get(p.client);
          if (list) list.push(p);
          else byClient.set(p.client, [p]);
        }
        await Promise.all([...byClient].map(([client, list]) => this.#call(client, list)));
      }
    } finally {
      this.#sending = false;
    }
  }

  async #call(client: string, list: Pending[]): Promise<void> {
    try {
      const verdicts = await this.#send(list.map((p) => p.job), client);
      list.forEach((p, i) => {
        const v = verdicts[i];
        if ("error" in v) p.reject(v.error);
        else p.resolve(v);
      });
    } catch (e) {
      // Redis out of reach (or past the deadline): every submission of the call hears it.
      for (const p of list) p.reject(e);
    }
  }
}
