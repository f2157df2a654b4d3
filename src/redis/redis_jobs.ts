/**
 * The queue's operations on Redis, one script or read each, with typed answers: what every node
 * shares. It holds no state of its own but the connection, so any number of nodes (and tests
 * acting as nodes) can drive the same queue.
 *
 * @module
 */
import type { Job, JobError, JobRequest } from "../jobs/job.ts";

export type { NewJob, SubmitBounds } from "./submit_args.ts";
import type { CancelOutcome } from "../jobs/job_backend.ts";
import type { JobLookup, ListFilter } from "../jobs/job_store.ts";
import { JOB_OVERHEAD_BYTES, type JobPage } from "../jobs/job.ts";
import { fieldsOf, JOB_FIELDS, jobOfHash, zipFields } from "./job_hash.ts";
import { CANCEL, RELEASE } from "./lua/cancel_script.ts";
import { HEARTBEAT, HELD, RECLAIM } from "./lua/claim_script.ts";
import { FINISH } from "./lua/finish_script.ts";
import { MAINTAIN, PROGRESS } from "./lua/maintain_script.ts";
import { SUBMIT } from "./lua/submit_script.ts";
import { type NewJob, submitArgs, type SubmitBounds, verdictOf } from "./submit_args.ts";
import { TAKE } from "./lua/take_script.ts";
import { type RedisKeys, redisKeys } from "./redis_keys.ts";
import type { RedisLink } from "./redis_link.ts";

/** A job handed to a node: its dispatch entry and what to run. */
export interface Claimed {
  entry: string;
  id: string;
  request: JobRequest;
  /** Attempts started, this one included. */
  attempts: number;
  key: string;
}

/** How a run ended, as the finish script records it. */
export interface Outcome {
  id: string;
  entry: string;
  kind: "ok" | "fail" | "retry";
  /** The result or the error, as JSON. */
  payload: string;
  /** For `retry`: the wait before the next attempt. */
  delayMs?: number;
}

// What a listing reads of each job before it knows whether the job's result fits the page: the
// client's view without the payloads, and the submission number (the cursor).
const LIST_FIELDS = [...JOB_FIELDS.filter((f) => f !== "result" && f !== "progress"), "seq"];

/**
 * The jobs one take handed a node, and `drained`: whether the take left no job ready on any key
 * (none held back by its key's limits either), so that nothing more is there to take until a job
 * is queued.
 */
export type Taken = Claimed[] & { drained: boolean };

// A take's reply ends with its drained flag, after the jobs' five fields each (see TAKE).
function takenOf(reply: unknown): Taken {
  const r = reply as string[];
  return Object.assign(claimedOf(r), { drained: r.length % 5 === 1 && r[r.length - 1] === "1" });
}

function claimedOf(reply: unknown): Claimed[] {
  const r = reply as string[];
  const out: Claimed[] = [];
  for (let i = 0; i + 4 < r.length; i += 5) {
    out.push({
      entry: r[i],
      id: r[i + 1],
      request: JSON.parse(r[i + 2]),
      attempts: Number(r[i + 3]),
      key: r[i + 4],
    });
  }
  return out;
}

/**
 * The queue on one Redis under one key prefix.
 *
 * @example
 * ```ts ignore
 * import { RedisJobs } from "./redis_jobs.ts";
 * const jobs = new RedisJobs(link, "workloom");
 * const [claimed] = await jobs.take("node-1", 1, 4);
 * ```
 */
export class RedisJobs {
  /** The hash-tagged prefix every key of the queue starts with (see redisKeys). */
  readonly prefix: string;
  readonly keys: RedisKeys;
  readonly link: RedisLink;
  /** The rate limits per concurrency key and per task, as the take script reads them (JSON). */
  rateArgs: [string, string] = ["{}", "{}"];

  /** The queue named `name` (its keys start with `{name}`) on `link`. */
  constructor(link: RedisLink, name: string) {
    this.link = link;
    this.keys = redisKeys(name);
    this.prefix = this.keys.prefix;
  }

  /** The submit script's arguments for `jobs` (the fire script of schedules takes them too). */
  submitArgs(jobs: readonly NewJob[], bounds: SubmitBounds, client: string): (string | number)[] {
    return submitArgs(jobs, bounds, client, "all");
  }

  /**
   * Adds jobs (in the order given: that is their submission order), all or none. One job with
   * an idempotency key a live job holds gives back that job's id (`replay`). Throws
   * `JobsFullError` or `IdempotencyConflictError`.
   */
  async submit(
    jobs: readonly NewJob[],
    bounds: SubmitBounds,
    client = "",
  ): Promise<{ replay?: string; submittedAt: number }> {
    const args = submitArgs(jobs, bounds, client, "all");
    // Refused by Redis past the deadline: a client answered 503 never finds its job made later.
    const reply =
      (await SUBMIT.run(this.link, this.keys, args, { withinDeadline: true })) as unknown[];
    if (reply[0] !== "ok") return verdictOf(reply, jobs[0]);
    return { submittedAt: Number(reply[1]) };
  }

  /**
   * Adds jobs each on its own, as separate submissions of one client gathered into one call:
   * one verdict per job, in order; a refused one carries its error (`JobsFullError`,
   * `IdempotencyConflictError`, a quota's).
   */
  async submitEach(
    jobs: readonly NewJob[],
    bounds: SubmitBounds,
    client = "",
  ): Promise<({ replay?: string; submittedAt: number } | { error: Error })[]> {
    const args = submitArgs(jobs, bounds, client, "each");
    const reply =
      (await SUBMIT.run(this.link, this.keys, args, { withinDeadline: true })) as unknown[];
    const submittedAt = Number(reply[1]);
    return jobs.map((job, i) => {
      const v = reply[i + 2] as unknown[];
      if (v[0] === "ok") return { submittedAt };
      try {
        return verdictOf(v, job);
      } catch (error) {
        return { error: error as Error };
      }
    });
  }

  /**
   * Takes up to `n` jobs for `consumer`, fairly between keys (see TAKE). `late` hears the jobs
   * of a take Redis answered after its deadline: they are `consumer`'s, and nobody else's.
   */
  async take(
    consumer: string,
    n: number,
    keyConcurrency: number,
    late?: (claimed: Claimed[]) => void,
  ): Promise<Taken> {
    return takenOf(
      await TAKE.run(this.link, this.keys, [consumer, n, keyConcurrency, ...this.rateArgs], {
        late: late && ((reply) => late(claimedOf(reply))),
      }),
    );
  }

  /** Records how runs ended; 1 per run recorded, 0 per run that was no longer current. */
  async finish(outcomes: readonly Outcome[]): Promise<number[]> {
    const args: (string | number)[] = [outcomes.length];
    for (const o of outcomes) args.push(o.id, o.entry, o.kind, o.payload, o.delayMs ?? 0);
    return (await FINISH.run(this.link, this.keys, args)) as number[];
  }

  /** Cancels job `id`. */
  async cancel(id: string, error: JobError): Promise<CancelOutcome> {
    return (await CANCEL.run(this.link, this.keys, [id, JSON.stringify(error)], {
      withinDeadline: true,
    })) as CancelOutcome;
  }

  /** Hands running jobs back to the ready set (a draining node). */
  async release(runs: readonly { id: string; entry: string }[]): Promise<number> {
    const args: (string | number)[] = [runs.length];
    for (const r of runs) args.push(r.id, r.entry);
    return Number(await RELEASE.run(this.link, this.keys, args));
  }

  /** Records `consumer`'s heartbeat and renews its claims; replies the job ids it lost. */
  async heartbeat(
    consumer: string,
    info: unknown,
    runs: readonly { id: string; entry: string }[],
  ): Promise<string[]> {
    const args: (string | number)[] = [consumer, JSON.stringify(info)];
    for (const r of runs) args.push(r.entry, r.id);
    return (await HEARTBEAT.run(this.link, this.keys, args)) as string[];
  }

  /**
   * Takes over up to `count` runs idle longer than `minIdleMs` (see RECLAIM), looking from the
   * start of the pending entries; not when Redis runs it past its deadline.
   */
  async reclaim(
    consumer: string,
    options: { minIdleMs: number; count: number; maxDeliveries: number },
  ): Promise<Claimed[]> {
    return (await this.reclaimFrom(consumer, { ...options, from: "0-0" })).claimed;
  }

  /**
   * {@linkcode reclaim} from the cursor `from`, and the cursor to go on from (`"0-0"` once every
   * pending entry was looked at): a call looks at no more than ten times `count` entries.
   */
  async reclaimFrom(
    consumer: string,
    options: { minIdleMs: number; count: number; maxDeliveries: number; from: string },
  ): Promise<{ claimed: Claimed[]; next: string }> {
    const poison: JobError = {
      name: "PoisonJobError",
      message: `The job was delivered ${options.maxDeliveries} times and its node stopped ` +
        "every time; it is in the dead-letter stream",
    };
    const reply = (await RECLAIM.run(this.link, this.keys, [
      consumer,
      options.minIdleMs,
      options.count,
      options.maxDeliveries,
      JSON.stringify(poison),
      options.from,
      // Refused once late: after a stall every claim looks idle, the live nodes' included.
    ], { withinDeadline: true })) as string[];
    return { claimed: claimedOf(reply), next: String(reply[reply.length - 1] ?? "0-0") };
  }

  /**
   * Up to `count` runs `consumer` holds in Redis (see HELD), those it runs included: a take whose
   * reply was lost left its jobs among them, claimed by `consumer` and run by nobody.
   */
  async held(consumer: string, count: number): Promise<Claimed[]> {
    return claimedOf(await HELD.run(this.link, this.keys, [consumer, count]));
  }

  /** Jobs waiting for a rate limit, per concurrency key, on every node together. */
  async rateLimited(): Promise<Record<string, number>> {
    const reply = await this.link.send(["HGETALL", this.keys.rateWaiting]);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(fieldsOf(reply))) out[k] = Number(v);
    return out;
  }

  /** Promotes due delayed jobs, expires old ones, trims the dispatch stream (see MAINTAIN). */
  async maintain(ttlMs: number, consumerIdleMs: number): Promise<number> {
    return Number(await MAINTAIN.run(this.link, this.keys, [ttlMs, 1000, consumerIdleMs]));
  }

  /** Stores a running job's progress, given as its JSON text. */
  async progress(id: string, entry: string, json: string): Promise<void> {
    await PROGRESS.run(this.link, this.keys, [id, entry, json]);
  }

  /** Payload bytes this queue keeps in Redis now (the count --max-store-bytes bounds). */
  async bytes(): Promise<number> {
    return Number(await this.link.send(["GET", this.keys.bytes]) ?? 0);
  }

  /** Job `id`, or whether it expired: the fields a client sees, never the request. */
  async lookup(id: string): Promise<JobLookup> {
    const reply = await this.link.send(["HMGET", this.keys.job(id), ...JOB_FIELDS]);
    const found = jobOfHash(zipFields(JOB_FIELDS, reply));
    if (found) return { state: "found", ...found };
    const tomb = await this.link.send(["EXISTS", this.keys.tomb(id)]);
    return Number(tomb) === 1 ? { state: "expired" } : { state: "missing" };
  }

  /**
   * Jobs in submission order after `cursor`, filtered, cut at `maxBytes`. Reads no request, and
   * a result or progress only for a job the page sends: the sizes come first (HSTRLEN).
   */
  async list(filter: ListFilter = {}): Promise<JobPage> {
    const limit = filter.limit ?? 100;
    const maxBytes = filter.maxBytes ?? Infinity;
    let after = filter.cursor ?? 0;
    const jobs: Job[] = [];
    let last = 0;
    let bytes = 0;
    for (;;) {
      const ids = (await this.link.send([
        "ZRANGE",
        this.keys.jobs,
        `(${after}`,
        "+inf",
        "BYSCORE",
        "LIMIT",
        0,
        200,
      ])) as string[];
      if (ids.length === 0) return { jobs };
      // One pipelined round for the small fields and the payloads' sizes of the whole batch.
      const heads = await Promise.all(ids.map((id) => {
        const key = this.keys.job(id);
        return Promise.all([
          this.link.send(["HMGET", key, ...LIST_FIELDS]),
          this.link.send(["HSTRLEN", key, "result"]),
          this.link.send(["HSTRLEN", key, "progress"]),
        ]);
      }));
      const chosen: { fields: Record<string, string>; seq: number }[] = [];
      let page: Omit<JobPage, "jobs"> | undefined;
      for (const [reply, resultLength, progressLength] of heads) {
        const fields = zipFields(LIST_FIELDS, reply);
        if (fields.id === undefined) continue;
        const seq = Number(fields.seq);
        after = seq;
        if (filter.status !== undefined && fields.status !== filter.status) continue;
        if (filter.task !== undefined && fields.task !== filter.task) continue;
        if (jobs.length + chosen.length === limit) {
          page = { nextCursor: last };
          break;
        }
        const size = JOB_OVERHEAD_BYTES + Number(resultLength) + Number(progressLength) +
          (fields.error?.length ?? 0);
        if (jobs.length + chosen.length > 0 && bytes + size > maxBytes) {
          page = { nextCursor: last, cut: true };
          break;
        }
        bytes += size;
        chosen.push({ fields, seq });
        last = seq;
      }
      // Then the payloads of the jobs the page sends, and only those.
      const payloads = await Promise.all(
        chosen.map((c) =>
          this.link.send(["HMGET", this.keys.job(c.fields.id), "result", "progress"])
        ),
      );
      chosen.forEach((c, i) => {
        const [result, progress] = payloads[i] as (string | null)[];
        if (result !== null) c.fields.result = result;
        if (progress !== null) c.fields.progress = progress;
        jobs.push(jobOfHash(c.fields)!.job);
      });
      if (page) return { jobs, ...page };
    }
  }

  /** Every node that reported itself, with its last heartbeat (Redis time, ms). */
  async nodes(): Promise<Record<string, unknown>[]> {
    const info = fieldsOf(await this.link.send(["HGETALL", this.keys.nodes]));
    const beats = fieldsOf(await this.link.send(["HGETALL", this.keys.beats]));
    return Object.entries(info).map(([id, json]) => ({
      ...JSON.parse(json),
      id,
      lastHeartbeat: beats[id] === undefined ? null : new Date(Number(beats[id])).toISOString(),
    }));
  }

  /** The job ids in the dead-letter stream, oldest first. */
  async deadLetters(): Promise<string[]> {
    const entries = (await this.link.send(["XRANGE", this.keys.dead, "-", "+"])) as [
      string,
      string[],
    ][];
    return entries.map(([, fields]) => fieldsOf(fields).id);
  }
}
