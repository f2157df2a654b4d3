/**
 * What each tenant keeps in a job store: jobs and payload bytes per concurrency key and per
 * client, so that one tenant cannot fill `maxJobs` or `maxBytes` (with finished jobs that stay
 * for their time to live) and lock the others out.
 *
 * @module
 */
import { JobsFullError } from "./job_errors.ts";

/** One job about to be kept: its concurrency key (`""` for none), its client, its input bytes. */
export interface Keeping {
  key: string;
  client?: string;
  bytes: number;
}

/** The most one key and one client may keep. */
export interface TenantLimits {
  jobsPerKey: number;
  bytesPerKey: number;
  jobsPerClient: number;
  bytesPerClient: number;
}

interface Held {
  jobs: number;
  bytes: number;
}

function keyName(key: string): string {
  return key === "" ? "the jobs without a concurrencyKey" : `concurrencyKey ${JSON.stringify(key)}`;
}

/**
 * Jobs and bytes kept per concurrency key and per client.
 *
 * @example
 * ```ts
 * import { TenantHoldings } from "./tenant_holdings.ts";
 * const h = new TenantHoldings();
 * h.add({ key: "a", client: "10.0.0.1", bytes: 100 }, 1);
 * const limits = { jobsPerKey: 1, bytesPerKey: 1e6, jobsPerClient: 10, bytesPerClient: 1e6 };
 * try { h.check([{ key: "a", bytes: 1 }], limits, () => 5); } catch (e) { console.log((e as Error).name); } // "JobsFullError"
 * ```
 */
export class TenantHoldings {
  #keys = new Map<string, Held>();
  #clients = new Map<string, Held>();

  /** Adds `sign` jobs (1 or -1) with `k.bytes` bytes to the key's and the client's holdings. */
  add(k: Keeping, sign: 1 | -1): void {
    this.bytes(k, sign * k.bytes);
    bump(this.#keys, k.key, sign, 0);
    if (k.client !== undefined) bump(this.#clients, k.client, sign, 0);
  }

  /** Adds `delta` bytes (a result, progress or an error changed) to the key's and client's. */
  bytes(k: { key: string; client?: string }, delta: number): void {
    if (delta === 0) return;
    bump(this.#keys, k.key, 0, delta);
    if (k.client !== undefined) bump(this.#clients, k.client, 0, delta);
  }

  /**
   * Throws `JobsFullError` (`key` or `client`) unless every key and client of `entries` may keep
   * them too; `retryAfter` tells when finished jobs start to expire, in seconds.
   */
  check(entries: readonly Keeping[], limits: TenantLimits, retryAfter: () => number): void {
    const keys = new Map<string, Held>();
    const clients = new Map<string, Held>();
    for (const e of entries) {
      bump(keys, e.key, 1, e.bytes);
      if (e.client !== undefined) bump(clients, e.client, 1, e.bytes);
    }
    const over = (
      bound: "key" | "client",
      name: string,
      held: Map<string, Held>,
      adding: Held,
      maxJobs: number,
      maxBytes: number,
    ) => {
      const now = held.get(name) ?? { jobs: 0, bytes: 0 };
      if (now.jobs + adding.jobs > maxJobs) {
        throw shareError(bound, name, "jobs", now.jobs, maxJobs, retryAfter());
      }
      if (now.bytes + adding.bytes > maxBytes) {
        throw shareError(bound, name, "bytes", now.bytes, maxBytes, retryAfter());
      }
    };
    for (const [k, a] of keys) over("key", k, this.#keys, a, limits.jobsPerKey, limits.bytesPerKey);
    for (const [c, a] of clients) {
      over("client", c, this.#clients, a, limits.jobsPerClient, limits.bytesPerClient);
    }
  }
}

/**
 * The refusal of a key (`""` for jobs without one) or a client that keeps `held` jobs or bytes
 * of its share `max`.
 *
 * @example
 * ```ts
 * import { shareError } from "./tenant_holdings.ts";
 * console.log(shareError("key", "a", "jobs", 10, 10, 60).message);
 * ```
 */
export function shareError(
  bound: "key" | "client",
  name: string,
  what: "jobs" | "bytes",
  held: number,
  max: number,
  retryAfter: number,
): JobsFullError {
  const who = bound === "key" ? keyName(name) : `client ${JSON.stringify(name)}`;
  const flag = bound === "key" ? "--max-queue-per-key" : "--max-queue-per-client";
  const of = what === "jobs" ? "--max-jobs" : "--max-store-bytes";
  const detail = `${who} keeps ${held} ${what}, its share of ${of} (as ${flag} is of ` +
    `--max-queue) is ${max}`;
  return new JobsFullError(bound, detail, retryAfter);
}

function bump(map: Map<string, Held>, name: string, jobs: number, bytes: number): void {
  const h = map.get(name) ?? { jobs: 0, bytes: 0 };
  h.jobs += jobs;
  h.bytes += bytes;
  if (h.jobs <= 0 && h.bytes <= 0) map.delete(name);
  else map.set(name, h);
}
