/**
 * The per-tenant quotas of the in-memory runner: how many jobs wait (queued or delayed) per
 * concurrency key and per client, and the refusal of a submission that would pass either bound.
 *
 * @module
 */
import type { JobRequest } from "./job.ts";
import { quotaError } from "./quota.ts";

/** Adds `delta` to `name`'s count in `map`, forgetting a name whose count reaches 0. */
function bump(map: Map<string, number>, name: string, delta: number): void {
  const n = (map.get(name) ?? 0) + delta;
  if (n > 0) map.set(name, n);
  else map.delete(name);
}

/**
 * Waiting jobs counted per concurrency key and per client, against `maxPerKey` and
 * `maxPerClient`.
 *
 * @example
 * ```ts
 * import { WaitingQuotas } from "./waiting_quotas.ts";
 * const quotas = new WaitingQuotas(1, 10);
 * quotas.count({ request: { concurrencyKey: "a" } }, +1);
 * try {
 *   quotas.check([{ task: "echo", input: 1, concurrencyKey: "a" }], undefined);
 * } catch (e) {
 *   console.log((e as Error).message); // "concurrencyKey \"a\" has 1 jobs waiting, …"
 * }
 * ```
 */
export class WaitingQuotas {
  readonly #byKey = new Map<string, number>();
  readonly #byClient = new Map<string, number>();

  constructor(readonly maxPerKey: number, readonly maxPerClient: number) {}

  /** Throws `JobsFullError` when `requests` of `client` would pass their key's or client's bound. */
  check(requests: readonly JobRequest[], client: string | undefined): void {
    const perKey = new Map<string, number>();
    for (const r of requests) {
      const key = r.concurrencyKey ?? "";
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    for (const [key, n] of perKey) {
      const held = this.#byKey.get(key) ?? 0;
      if (held + n > this.maxPerKey) {
        throw quotaError("key", key, held, this.maxPerKey, n);
      }
    }
    if (client === undefined) return;
    const held = this.#byClient.get(client) ?? 0;
    if (held + requests.length > this.maxPerClient) {
      throw quotaError("client", client, held, this.maxPerClient, requests.length);
    }
  }

  /** Counts a job that starts (`+1`) or stops (`-1`) waiting. */
  count(r: { request: { concurrencyKey?: string }; client?: string }, delta: number): void {
    bump(this.#byKey, r.request.concurrencyKey ?? "", delta);
    if (r.client !== undefined) bump(this.#byClient, r.client, delta);
  }
}
