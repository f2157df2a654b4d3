/**
 * The options of `createServer`, their defaults, and their validation.
 *
 * @module
 */
import type { SlaTarget } from "../report/sla.ts";
import type { JobBackend } from "../jobs/job_backend.ts";
import { MAX_WAIT_MS } from "./schemas.ts";
import { allowedHostNames } from "./host_check.ts";
import { type AllowList, allowList } from "../webhooks/address_policy.ts";
import { checkSecrets } from "../webhooks/webhook_signer.ts";
import { urlProblem } from "../webhooks/webhook_url.ts";
import { checkRateLimit, type RateLimit } from "../jobs/rate_limit.ts";

/** Options of `createServer`. */
export interface ServerOptions {
  /**
   * Bearer token every route requires but `GET /healthz`, `GET /readyz` and `GET /` (the
   * dashboard page, which holds no data). @default {undefined (no auth, and the host check)}
   */
  token?: string;
  /**
   * Without a token, the names besides loopback (`localhost`, `127.0.0.1`, `[::1]`) that requests
   * may carry in `Host`; others answer 421 (DNS rebinding). Ignored with a token. @default {[]}
   */
  allowedHosts?: string[];
  /** The timeout of a job that names none, in ms. @default {300000 (5 minutes)} */
  jobTimeoutMs?: number;
  /** The longest `timeoutMs` a job may ask for; more answer 400. @default {3600000 (1 hour)} */
  maxJobTimeoutMs?: number;
  /** Queued and delayed jobs, at most; more answer 429 `queue_full`. @default {1000} */
  maxQueue?: number;
  /**
   * Queued and delayed jobs of one `concurrencyKey` at most (jobs without a key share the key
   * `""`); more answer 429 `key_quota_full`, so one tenant's flood leaves room for the others.
   * A key may also keep the same share of `maxJobs` and of `maxStoreBytes` (finished jobs
   * included), so its finished jobs cannot fill the store for their time to live either.
   * @default {a quarter of maxQueue, rounded up}
   */
  maxQueuePerKey?: number;
  /**
   * Queued and delayed jobs submitted from one client address at most; more answer 429
   * `client_quota_full`, so a flood using a new key per job is bounded too; a client keeps the
   * same share of `maxJobs` and `maxStoreBytes`. Behind a proxy every client has the proxy's
   * address: raise it to `maxQueue`. @default {half of maxQueue, rounded up}
   */
  maxQueuePerClient?: number;
  /**
   * Bytes of inputs, results, errors and progress the store keeps at most (counted as their JSON
   * text); a submission past it answers 429 `store_bytes_full`. On Redis, the bytes this queue
   * keeps in Redis, counted by its scripts. @default {in memory: a quarter of the memory the
   * machine profile detects (256 MiB when unknown); on Redis: 1 GiB}
   */
  maxStoreBytes?: number;
  /**
   * Longest result a task may return, as JSON text: a longer one fails its job with
   * `ResultTooLargeError` and is not stored; longer progress values are dropped.
   * @default {16777216}
   */
  maxResult?: number;
  /** Largest request body in bytes; larger answer 413 before being read whole. @default {1048576} */
  maxBody?: number;
  /**
   * The longest a long-poll (`?wait=` on `POST /jobs` and `GET /jobs/:id`) holds its request; a
   * longer `?wait=` is cut to it (the answer is then the job's state at that deadline, 202 on a
   * submission), so that no client holds a connection open longer. From 0 to 30000.
   * @default {30000}
   */
  maxWaitMs?: number;
  /** How long finished jobs are kept (then their tombstones, answering 410). @default {3600000} */
  jobTtlMs?: number;
  /** Jobs kept at most, finished ones included; more answer 429. @default {10000} */
  maxJobs?: number;
  /** Jobs of one `concurrencyKey` running at once, at most. @default {4} */
  keyConcurrency?: number;
  /**
   * Jobs the in-memory runner hands the pool at once. @default {by the tasks' run time: about
   * 1 ms of work per task slot, 2 per slot for jobs of 1 ms or more, up to 64 for the shortest}
   */
  concurrency?: number;
  /** Origins allowed by CORS; CORS is off without it. @default {undefined} */
  cors?: string[];
  /** Interval of the keep-alive comments on event streams, at most 5000. @default {5000} */
  keepAliveMs?: number;
  /** How often expired jobs are swept. @default {the smaller of 1000 and jobTtlMs} */
  sweepIntervalMs?: number;
  /**
   * Where jobs are kept and dispatched: `redisQueue(url)` from the `./redis` subpath shares one
   * queue between nodes. @default {the in-memory store of this process}
   */
  queue?: JobBackend;
  /** The clock, in milliseconds (tests move it by hand). @default {Date.now} */
  now?: () => number;
  /** Where unexpected errors are logged (clients only ever see a fixed message). @default {console.error} */
  log?: (error: unknown) => void;
  /** SLA targets per stage (jobs name their `stage`), shown on `/metrics` and the dashboard. @default {[]} */
  sla?: SlaTarget[];
  /** Interval between the dashboard's snapshots, in ms. @default {1000} */
  dashboardIntervalMs?: number;
  /** Event streams (job events and dashboards) open at once, at most; more answer 429. @default {500} */
  maxStreams?: number;
  /** Event streams one client address may hold open at once; more answer 429. @default {50} */
  maxStreamsPerClient?: number;
  /**
   * Changes a job stream's client may fall behind (progress is coalesced, so these are status
   * changes) before it gets a `lagging` event and is closed. @default {64}
   */
  maxStreamLag?: number;
  /** How long a stream's client may leave an event unread before it is cut off, in ms. @default {30000} */
  streamStallMs?: number;
  /** How long a request's body may take to arrive, in ms; slower answer 408. @default {10000} */
  bodyTimeoutMs?: number;
  /**
   * Secrets (`whsec_…`) every completion webhook is signed with, all of them at once, so that a
   * secret can be rotated without a gap. Without one, a job naming a `webhook` answers 400
   * `webhooks_off`. @default {[]}
   */
  webhookSecrets?: string[];
  /** The webhook of jobs that name none. @default {undefined} */
  webhookUrl?: string;
  /**
   * Host names and networks (`hooks.example.com`, `10.1.0.0/16`, `127.0.0.1`) webhooks may be
   * sent to; the only ones called when given. @default {undefined (public addresses only)}
   */
  webhookAllow?: string[];
  /** The deadline of one delivery attempt, in ms. @default {10000} */
  webhookTimeoutMs?: number;
  /** Attempts of one delivery at most. @default {5} */
  webhookAttempts?: number;
  /** The wait after a delivery's first failed attempt, doubling after each, in ms. @default {1000} */
  webhookBackoffMs?: number;
  /** Delivery attempts in flight on this server at most. @default {8} */
  webhookConcurrency?: number;
  /** Deliveries waiting in memory at most (in-memory store); past it they fail. @default {1000} */
  webhookMaxPending?: number;
  /** Schedules kept at most; one more answers 429 `schedules_full`. @default {1000} */
  maxSchedules?: number;
  /**
   * The shortest time between two ticks of a schedule, in ms; a schedule firing more often
   * answers 400 `interval_too_short`. @default {1000}
   */
  minScheduleIntervalMs?: number;
  /** How often each node looks for due schedule ticks, in ms. @default {250} */
  schedulePollMs?: number;
  /**
   * Rate limits per concurrency key (`""`: jobs without one): at most `max` jobs of the key start
   * in any sliding window of `windowMs`, on every node of the queue together; a limited job
   * waits. A job's own `rateLimit` overrides its key's. @default {{}}
   */
  keyRateLimits?: Record<string, RateLimit>;
  /** Rate limits per task name, as `keyRateLimits`. @default {{}} */
  taskRateLimits?: Record<string, RateLimit>;
}

/** Options with every default applied. */
export type ResolvedServerOptions =
  & Required<
    Omit<
      ServerOptions,
      "token" | "cors" | "queue" | "maxStoreBytes" | "webhookUrl" | "webhookAllow" | "concurrency"
    >
  >
  & Pick<ServerOptions, "token" | "cors" | "queue" | "maxStoreBytes" | "webhookUrl" | "concurrency">
  & { webhookAllow: AllowList | undefined };

function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `Cannot create the server as '${name}' must be an integer: current value is ${String(value)}`,
    );
  }
  if (value < min || value > max) {
    throw new RangeError(
      `Cannot create the server as '${name}' must be from ${min} to ${max}: current value is ${value}`,
    );
  }
  return value;
}

/**
 * Applies the defaults and validates, throwing `TypeError`/`RangeError` naming the option.
 *
 * @example
 * ```ts
 * import { resolveServerOptions } from "./server_options.ts";
 * console.log(resolveServerOptions({ maxQueue: 10 }, 2).keyConcurrency); // 4
 * ```
 */
export function resolveServerOptions(
  options: ServerOptions,
  // The pool's size: no default depends on it since the runner's window follows the run time.
  _maxWorkers: number,
): ResolvedServerOptions {
  const { token, cors, queue } = options;
  if (queue !== undefined && (typeof queue !== "object" || typeof queue?.open !== "function")) {
    throw new TypeError(
      "Cannot create the server as 'queue' must be a job backend such as redisQueue(url)",
    );
  }
  if (token !== undefined && (typeof token !== "string" || !/^\S+$/.test(token))) {
    throw new TypeError(
      "Cannot create the server as 'token' must be a non-empty string without spaces",
    );
  }
  if (cors !== undefined && (!Array.isArray(cors) || cors.some((o) => typeof o !== "string"))) {
    throw new TypeError("Cannot create the server as 'cors' must be an array of origins");
  }
  if (options.sla !== undefined && !Array.isArray(options.sla)) {
    throw new TypeError("Cannot create the server as 'sla' must be an array of SLA targets");
  }
  for (const name of ["now", "log"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new TypeError(`Cannot create the server as '${name}' must be a function`);
    }
  }
  const jobTtlMs = integer("jobTtlMs", options.jobTtlMs, 3_600_000, 1);
  if (options.allowedHosts !== undefined && !Array.isArray(options.allowedHosts)) {
    throw new TypeError("Cannot create the server as 'allowedHosts' must be an array of names");
  }
  // The longest a timer can wait (2^31 - 1 ms, about 24.8 days).
  const maxTimer = 2 ** 31 - 1;
  const maxJobTimeoutMs = integer(
    "maxJobTimeoutMs",
    options.maxJobTimeoutMs,
    3_600_000,
    1,
    maxTimer,
  );
  const jobTimeoutMs = integer(
    "jobTimeoutMs",
    options.jobTimeoutMs,
    Math.min(300_000, maxJobTimeoutMs),
    1,
    maxJobTimeoutMs,
  );
  const maxQueue = integer("maxQueue", options.maxQueue, 1000, 1);
  const { webhookSecrets = [], webhookUrl, webhookAllow } = options;
  if (!Array.isArray(webhookSecrets)) {
    throw new TypeError("Cannot create the server as 'webhookSecrets' must be an array");
  }
  checkSecrets(webhookSecrets);
  if (webhookAllow !== undefined && !Array.isArray(webhookAllow)) {
    throw new TypeError("Cannot create the server as 'webhookAllow' must be an array");
  }
  const problem = webhookUrl === undefined ? undefined : urlProblem(webhookUrl);
  if (problem !== undefined) {
    throw new TypeError(
      `Cannot create the server as 'webhookUrl' is unusable (${problem}): current value is ${webhookUrl}`,
    );
  }
  if (webhookUrl !== undefined && webhookSecrets.length === 0) {
    throw new TypeError("Cannot create the server as 'webhookUrl' needs 'webhookSecrets' to sign");
  }
  const rateLimits = (name: "keyRateLimits" | "taskRateLimits") => {
    const all = options[name] ?? {};
    if (typeof all !== "object" || all === null || Array.isArray(all)) {
      throw new TypeError(
        `Cannot create the server as '${name}' must be an object of { max, windowMs }`,
      );
    }
    for (const [k, limit] of Object.entries(all)) {
      try {
        checkRateLimit(`${name}[${JSON.stringify(k)}]`, limit);
      } catch (e) {
        (e as Error).message = `Cannot create the server as ${(e as Error).message}`;
        throw e;
      }
    }
    return { ...all };
  };
  return {
    webhookSecrets,
    webhookUrl,
    webhookAllow: webhookAllow === undefined ? undefined : allowList(webhookAllow),
    webhookTimeoutMs: integer("webhookTimeoutMs", options.webhookTimeoutMs, 10_000, 1, 600_000),
    webhookAttempts: integer("webhookAttempts", options.webhookAttempts, 5, 1, 100),
    webhookBackoffMs: integer("webhookBackoffMs", options.webhookBackoffMs, 1000, 0, 3_600_000),
    webhookConcurrency: integer("webhookConcurrency", options.webhookConcurrency, 8, 1, 1000),
    webhookMaxPending: integer("webhookMaxPending", options.webhookMaxPending, 1000, 1),
    token,
    cors,
    queue,
    allowedHosts: allowedHostNames(options.allowedHosts ?? []),
    jobTimeoutMs,
    maxJobTimeoutMs,
    maxQueue,
    maxQueuePerKey: integer("maxQueuePerKey", options.maxQueuePerKey, Math.ceil(maxQueue / 4), 1),
    maxQueuePerClient: integer(
      "maxQueuePerClient",
      options.maxQueuePerClient,
      Math.ceil(maxQueue / 2),
      1,
    ),
    maxStoreBytes: options.maxStoreBytes === undefined
      ? undefined
      : integer("maxStoreBytes", options.maxStoreBytes, 0, 1),
    maxResult: integer("maxResult", options.maxResult, 16 << 20, 1),
    maxBody: integer("maxBody", options.maxBody, 1 << 20, 1),
    maxWaitMs: integer("maxWaitMs", options.maxWaitMs, MAX_WAIT_MS, 0, MAX_WAIT_MS),
    jobTtlMs,
    maxJobs: integer("maxJobs", options.maxJobs, 10_000, 1),
    keyConcurrency: integer("keyConcurrency", options.keyConcurrency, 4, 1),
    concurrency: options.concurrency === undefined
      ? undefined
      : integer("concurrency", options.concurrency, 0, 1),
    keepAliveMs: integer("keepAliveMs", options.keepAliveMs, 5000, 1, 5000),
    sweepIntervalMs: integer(
      "sweepIntervalMs",
      options.sweepIntervalMs,
      Math.min(1000, jobTtlMs),
      1,
    ),
    now: options.now ?? Date.now,
    log: options.log ?? console.error,
    sla: options.sla ?? [],
    dashboardIntervalMs: integer(
      "dashboardIntervalMs",
      options.dashboardIntervalMs,
      1000,
      1,
      60_000,
    ),
    maxStreams: integer("maxStreams", options.maxStreams, 500, 1),
    maxStreamsPerClient: integer("maxStreamsPerClient", options.maxStreamsPerClient, 50, 1),
    maxStreamLag: integer("maxStreamLag", options.maxStreamLag, 64, 1),
    streamStallMs: integer("streamStallMs", options.streamStallMs, 30_000, 1, 2 ** 31 - 1),
    bodyTimeoutMs: integer("bodyTimeoutMs", options.bodyTimeoutMs, 10_000, 1, 2 ** 31 - 1),
    maxSchedules: integer("maxSchedules", options.maxSchedules, 1000, 0),
    minScheduleIntervalMs: integer(
      "minScheduleIntervalMs",
      options.minScheduleIntervalMs,
      1000,
      1,
    ),
    schedulePollMs: integer("schedulePollMs", options.schedulePollMs, 250, 1, 60_000),
    keyRateLimits: rateLimits("keyRateLimits"),
    taskRateLimits: rateLimits("taskRateLimits"),
  };
}
