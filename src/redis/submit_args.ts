/**
 * What the submit script is given (the bounds, then each job's fields) and what its refusals
 * mean as errors.
 *
 * @module
 */
import type { JobRequest } from "../jobs/job.ts";
import { IdempotencyConflictError, JobsFullError } from "../jobs/job_errors.ts";
import { quotaError } from "../jobs/quota.ts";
import { shareError } from "../jobs/tenant_holdings.ts";
import { retryAfterSeconds } from "../jobs/retention.ts";

/** One job to submit. */
export interface NewJob {
  id: string;
  request: JobRequest;
  /** Only with an idempotency key. */
  fingerprint?: string;
  idempotencyKey?: string;
}

/** The bounds a submission is checked against, all in the submit script's one step. */
export interface SubmitBounds {
  maxJobs: number;
  maxQueue: number;
  ttlMs: number;
  /** Bytes of payloads the queue keeps in Redis at most. @default {Infinity} */
  maxBytes?: number;
  /** @default {maxQueue} */
  maxQueuePerKey?: number;
  /** @default {maxQueue} */
  maxQueuePerClient?: number;
}

/** A count for the submit script: Infinity (no bound) as the largest safe integer. */
function finite(n: number | undefined, fallback: number): number {
  return n === undefined || !Number.isFinite(n) ? fallback : n;
}

/**
 * The request as stored: with a webhook, the request starts with it and its braces are escaped
 * inside strings (`\u007b`), so that the submit script can cut it out with a balanced match.
 */
function requestJson(r: JobRequest): string {
  const { webhook, ...rest } = r;
  const text = JSON.stringify(rest);
  if (webhook === undefined) return text;
  const hook = JSON.stringify(webhook).slice(1, -1).replace(
    /[{}]/g,
    (c) => (c === "{" ? "\\u007b" : "\\u007d"),
  );
  return `{"webhook":{${hook}}${text === "{}" ? "}" : `,${text.slice(1)}`}`;
}

/**
 * The submit script's arguments for `jobs`: added all or none (`all`), or each on its own
 * (`each`, separate submissions gathered into one call).
 *
 * @example
 * ```ts
 * import { submitArgs } from "./submit_args.ts";
 * const args = submitArgs([{ id: "j1", request: { task: "t", input: null } }], {
 *   maxJobs: 10,
 *   maxQueue: 10,
 *   ttlMs: 1000,
 * }, "", "all");
 * console.log(args.length); // 21
 * ```
 */
export function submitArgs(
  jobs: readonly NewJob[],
  bounds: SubmitBounds,
  client: string,
  mode: "all" | "each",
): (string | number)[] {
  const maxBytes = finite(bounds.maxBytes, Number.MAX_SAFE_INTEGER);
  const perKey = finite(bounds.maxQueuePerKey, bounds.maxQueue);
  const perClient = finite(bounds.maxQueuePerClient, bounds.maxQueue);
  // A tenant may keep the share of the jobs and bytes kept it may hold of the queue.
  const keyShare = Math.min(1, perKey / bounds.maxQueue);
  const clientShare = Math.min(1, perClient / bounds.maxQueue);
  const args: (string | number)[] = [
    bounds.maxJobs,
    bounds.maxQueue,
    bounds.ttlMs,
    jobs.length,
    maxBytes,
    perKey,
    perClient,
    client,
    Math.ceil(bounds.maxJobs * keyShare),
    Math.floor(maxBytes * keyShare),
    Math.ceil(bounds.maxJobs * clientShare),
    Math.floor(maxBytes * clientShare),
    mode,
  ];
  for (const j of jobs) {
    const r = j.request;
    args.push(
      j.id,
      r.task,
      requestJson(r),
      j.fingerprint ?? "",
      j.idempotencyKey ?? "",
      r.delayMs ?? 0,
      r.priority ?? 0,
      r.concurrencyKey ?? "",
    );
  }
  return args;
}

/**
 * What a refusal or replay of the submit script means for `job`: `{ replay }`, or the error it
 * throws (`JobsFullError`, `IdempotencyConflictError`, a quota's).
 *
 * @example
 * ```ts
 * import { verdictOf } from "./submit_args.ts";
 * console.log(verdictOf(["replay", "j0"], { id: "j1", request: { task: "t", input: null } }).replay); // "j0"
 * ```
 */
export function verdictOf(reply: unknown[], job: NewJob): { replay: string; submittedAt: number } {
  if (reply[0] === "replay") return { replay: String(reply[1]), submittedAt: 0 };
  if (reply[0] === "conflict") throw new IdempotencyConflictError(job.idempotencyKey!);
  const r = reply.map(String);
  const bound = r[1] as "queue" | "store" | "bytes" | "key" | "client";
  if ((bound === "key" || bound === "client") && r[7] === "kept") {
    const what = r[6] as "jobs" | "bytes";
    const wait = retryAfterSeconds(Number(r[3]));
    throw shareError(bound, r[4], what, Number(r[2]), Number(r[5]), wait);
  }
  if (bound === "key" || bound === "client") {
    throw quotaError(bound, r[4], Number(r[2]), Number(r[5]), Number(r[6]));
  }
  const detail = bound === "queue"
    ? `${r[2]} jobs are waiting to run`
    : bound === "store"
    ? `${r[2]} jobs are kept`
    : `${r[2]} bytes are kept, ${r[4]} more would pass the maximum of ${r[5]}`;
  throw new JobsFullError(bound, detail, retryAfterSeconds(Number(r[3])));
}
