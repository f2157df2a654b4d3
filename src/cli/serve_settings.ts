/**
 * The settings of `workloom serve`: its help text, its flags, and how its arguments and
 * environment are read into the settings it runs with, every bad value refused with the flag named.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { RateLimit } from "../jobs/rate_limit.ts";
import { parseRateLimits } from "./rate_limit_flags.ts";
import { runtime } from "../adapter/runtime.ts";
import type { ReadResult, RuntimeKey } from "../adapter/types.ts";
import { isLoopback } from "../server/loopback.ts";
import { LIMIT_FLAGS, LIMIT_USAGE, type LimitSettings, limitSettings } from "./serve_limits.ts";
import { CHUNK_FLAGS, CHUNK_USAGE, type ChunkSettings, chunkSettings } from "./serve_chunks.ts";
import {
  WEBHOOK_FLAGS,
  WEBHOOK_USAGE,
  type WebhookSettings,
  webhookSettings,
} from "./serve_webhooks.ts";
import { hostList, readToken } from "./serve_guards.ts";
import { flagValue, parseBytes, parseDuration, parseWhole } from "./units.ts";

/** The help of `workloom serve`: every option with its default. */
export const SERVE_USAGE = `Usage: workloom serve --tasks <module> [options]

Runs the job server: submit jobs over HTTP to a pool running the task module's exported
functions. Stops on SIGINT/SIGTERM after draining; a second signal exits at once.

Options:
  --tasks <path>          Task module (required); only its exported functions can run.
  --port <n>              Port; 0 picks a free one. Default: 8787, or WORKLOOM_PORT.
  --host <name>           Address to bind. Default: 127.0.0.1. Anything but loopback
                          needs a token.
  --token-file <path>     Read the bearer token every route but /healthz, /readyz and
                          the dashboard page needs from this file. Default: the
                          WORKLOOM_TOKEN variable, else none (loopback only).
  --token <t>             The token on the command line: works, but anyone on the
                          machine sees it in ps (a warning says so).
  --allowed-hosts <a,b>   Without a token, Host names answered besides localhost,
                          127.0.0.1 and [::1] (others get 421). Default: none.
  --isolation <kind>      thread or process: where tasks run. A job that times out is
                          stopped by killing its worker; Deno cannot stop a spinning
                          thread, so process is the default on Deno, thread elsewhere.
  --job-timeout <dur>     Timeout of a job that names none. Default: 5m.
  --max-job-timeout <dur> Longest timeoutMs a job may ask for (then 400). Default: 1h.
  --max-queue <n>         Queued and delayed jobs at most (then 429). Default: 1000.
  --max-queue-per-key <n> Queued and delayed jobs of one concurrencyKey (jobs without one
                          share a key) at most (then 429 key_quota_full); a key keeps
                          the same share of --max-jobs and --max-store-bytes. Default:
                          a quarter of --max-queue.
  --max-queue-per-client <n>
                          Queued and delayed jobs from one client address at most (then
                          429 client_quota_full), and the same share of what is kept.
                          Default: half of --max-queue.
  --max-body <size>       Largest request body (then 413). Default: 1mb.
  --max-store-bytes <size>
                          Bytes of inputs, results and progress kept at most (then 429
                          store_bytes_full). Default: a quarter of the memory detected;
                          with --queue, 1gb in Redis.
  --max-result <size>     Largest result of a task; a larger one fails its job
                          (ResultTooLargeError). Default: 16mb.
  --job-ttl <duration>    How long finished jobs are kept. Default: 1h.
  --max-jobs <n>          Jobs kept at most, finished ones included (then 429). Default: 10000.
  --key-concurrency <n>   Jobs of one concurrencyKey running at once. Default: 4.
  --drain-timeout <dur>   How long running jobs may finish on shutdown. Default: 10s.
  --rate-limit <key=max/dur>
                          At most max jobs of a concurrencyKey start in any sliding window
                          of dur (on every node of a --queue together); limited jobs wait.
                          Repeat for more keys; "=5/1s" is the jobs without a key.
  --task-rate-limit <task=max/dur>
                          The same per task name.
  --max-schedules <n>     Schedules kept at most (then 429 schedules_full). Default: 1000.
  --queue <url>           Share one job queue with other nodes through Redis, e.g.
                          redis://127.0.0.1:6379 (connect by IP on Deno); any node of a
                          Redis Cluster; rediss://user:password@host:port for TLS and an
                          ACL user; redis+sentinel://host:port,host:port/<master> to follow
                          failovers. Default: the in-memory store of this process.
  --queue-ca <file>       With a rediss:// --queue: the PEM file of the CA that signed
                          Redis's certificate. Default: the runtime's own roots.
  --node-id <name>        This node's name in the Redis queue. Default: runtime-random.
  --claim-idle <dur>      With --queue: a dead node's jobs are taken over after this.
                          Default: 5s.
  --max-deliveries <n>    With --queue: deliveries of a job whose node keeps dying before
                          it goes to the dead-letter stream. Default: 3.
  --redis-timeout <dur>   With --queue: deadline of every Redis command; a Redis that
                          stalls or is gone gets 503 queue_unavailable within it.
                          Default: 2s.
${LIMIT_USAGE}
${CHUNK_USAGE}
${WEBHOOK_USAGE}
  -h, --help              Show this help.`;

const FLAGS = {
  tasks: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  "token-file": { type: "string" },
  "allowed-hosts": { type: "string" },
  isolation: { type: "string" },
  "job-timeout": { type: "string" },
  "max-job-timeout": { type: "string" },
  "max-queue": { type: "string" },
  "max-body": { type: "string" },
  "max-queue-per-key": { type: "string" },
  "max-queue-per-client": { type: "string" },
  "max-store-bytes": { type: "string" },
  "max-result": { type: "string" },
  "job-ttl": { type: "string" },
  "max-jobs": { type: "string" },
  "key-concurrency": { type: "string" },
  "drain-timeout": { type: "string" },
  "rate-limit": { type: "string", multiple: true },
  "task-rate-limit": { type: "string", multiple: true },
  "max-schedules": { type: "string" },
  queue: { type: "string" },
  "queue-ca": { type: "string" },
  "node-id": { type: "string" },
  "claim-idle": { type: "string" },
  "max-deliveries": { type: "string" },
  "redis-timeout": { type: "string" },
  ...LIMIT_FLAGS,
  ...CHUNK_FLAGS,
  ...WEBHOOK_FLAGS,
  help: { type: "boolean", short: "h" },
} as const;

/** The settings `workloom serve` runs with. */
export interface ServeSettings {
  tasks: string;
  port: number;
  host: string;
  token?: string;
  /** Where the token came from: `--token` on the command line earns a warning. */
  tokenFrom?: "flag" | "file" | "env";
  /** The --token-file path, for the printed curl (never the token itself). */
  tokenFile?: string;
  /** Host names answered without a token besides loopback. */
  allowedHosts: string[];
  /** Where tasks run: child processes can be killed whatever they do; Deno's threads cannot. */
  isolation: "thread" | "process";
  jobTimeoutMs: number;
  maxJobTimeoutMs: number;
  maxQueue: number;
  maxQueuePerKey?: number;
  maxQueuePerClient?: number;
  maxBody: number;
  /** Undefined: the backend's default. */
  maxStoreBytes?: number;
  maxResult: number;
  jobTtlMs: number;
  maxJobs: number;
  keyConcurrency: number;
  drainTimeoutMs: number;
  /** `--rate-limit`, by concurrency key (only when given). */
  keyRateLimits?: Record<string, RateLimit>;
  /** `--task-rate-limit`, by task (only when given). */
  taskRateLimits?: Record<string, RateLimit>;
  /** `--max-schedules` (only when given). */
  maxSchedules?: number;
  /** The Redis URL of a shared queue, when not in memory. */
  queue?: string;
  nodeId?: string;
  claimIdleMs?: number;
  maxDeliveries?: number;
  redisTimeoutMs?: number;
  /** The webhook flags, when any is given (secrets never printed). */
  webhooks?: WebhookSettings;
  /** Where the webhook secrets came from: `--webhook-secret` on the command line earns a warning. */
  webhookSecretFrom?: "flag" | "env";
  /** The connection limits given (streams, body time, long-poll). */
  limits: LimitSettings;
  /** The streamed-job flags given (replay window, keep time), for either store. */
  chunks: ChunkSettings;
  /** With --queue-ca: the PEM text of the CA of a rediss:// Redis. */
  queueCa?: string;
}

function count(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  return flagValue(name, text, parseWhole, `a whole number of at least ${min}`, { min });
}

function optional(text: string | undefined, read: (t: string) => number): number | undefined {
  return text === undefined ? undefined : read(text);
}

function measure(
  name: string,
  text: string | undefined,
  fallback: number,
  parse: (t: string) => number,
): number {
  if (text === undefined) return fallback;
  return flagValue(name, text, parse, "a positive size or duration such as 1mb or 10s");
}

/**
 * Reads `workloom serve`'s arguments and environment into settings; `"help"` for --help. Throws
 * `RangeError`/`TypeError` (a usage error) for an unknown option, a bad value, or a host other
 * than loopback without a token.
 *
 * @example
 * ```ts
 * import { readServeSettings } from "./serve_settings.ts";
 * const s = readServeSettings(["--tasks", "t.ts", "--job-ttl", "5m"], () => undefined);
 * console.log(s !== "help" && s.jobTtlMs); // 300000
 * ```
 */
export function readServeSettings(
  args: string[],
  env: (name: string) => string | undefined,
  options: {
    /** The runtime the defaults are for. @default {the one running} */
    runtime?: RuntimeKey;
    /** Reads the token file. @default {the runtime's readTextFile} */
    readFile?: (path: string) => ReadResult;
  } = {},
): ServeSettings | "help" {
  let values;
  try {
    values = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new TypeError((e as Error).message);
  }
  if (values.help) return "help";
  if (!values.tasks) throw new TypeError("--tasks <module> is required");
  const host = values.host ?? "127.0.0.1";
  const { token, tokenFrom } = readToken(values, env, options.readFile ?? runtime.readTextFile);
  if (!isLoopback(host) && token === undefined) {
    throw new TypeError(
      `Refusing to bind ${host} without a token: anyone who can reach it could run your tasks. ` +
        "Pass --token (or set WORKLOOM_TOKEN), or bind 127.0.0.1.",
    );
  }
  const port = count("port", values.port ?? env("WORKLOOM_PORT"), 8787, 0);
  if (port > 65535) throw new RangeError(`--port must be at most 65535: got ${port}`);
  const isolation = values.isolation ??
    ((options.runtime ?? runtime.key) === "deno" ? "process" : "thread");
  if (isolation !== "thread" && isolation !== "process") {
    throw new TypeError(`--isolation must be thread or process: got ${JSON.stringify(isolation)}`);
  }
  const maxJobTimeoutMs = measure(
    "max-job-timeout",
    values["max-job-timeout"],
    3_600_000,
    parseDuration,
  );
  const jobTimeoutMs = measure(
    "job-timeout",
    values["job-timeout"],
    Math.min(300_000, maxJobTimeoutMs),
    parseDuration,
  );
  if (jobTimeoutMs > maxJobTimeoutMs || maxJobTimeoutMs > 2 ** 31 - 1) {
    throw new RangeError(
      `--job-timeout (${jobTimeoutMs} ms) must be at most --max-job-timeout (${maxJobTimeoutMs} ms),` +
        " which must be at most 24 days",
    );
  }
  return {
    tasks: values.tasks,
    port,
    host,
    token,
    ...(tokenFrom === undefined ? {} : { tokenFrom }),
    ...(tokenFrom === "file" ? { tokenFile: values["token-file"] } : {}),
    allowedHosts: hostList(values["allowed-hosts"]),
    isolation,
    jobTimeoutMs,
    maxJobTimeoutMs,
    maxQueue: count("max-queue", values["max-queue"], 1000),
    maxQueuePerKey: optional(values["max-queue-per-key"], (t) => count("max-queue-per-key", t, 0)),
    maxQueuePerClient: optional(
      values["max-queue-per-client"],
      (t) => count("max-queue-per-client", t, 0),
    ),
    maxBody: measure("max-body", values["max-body"], 1 << 20, parseBytes),
    maxStoreBytes: optional(
      values["max-store-bytes"],
      (t) => measure("max-store-bytes", t, 0, parseBytes),
    ),
    maxResult: measure("max-result", values["max-result"], 16 << 20, parseBytes),
    jobTtlMs: measure("job-ttl", values["job-ttl"], 3_600_000, parseDuration),
    maxJobs: count("max-jobs", values["max-jobs"], 10_000),
    keyConcurrency: count("key-concurrency", values["key-concurrency"], 4),
    drainTimeoutMs: measure("drain-timeout", values["drain-timeout"], 10_000, parseDuration),
    ...(values["rate-limit"] &&
      { keyRateLimits: parseRateLimits("rate-limit", values["rate-limit"]) }),
    ...(values["task-rate-limit"] &&
      { taskRateLimits: parseRateLimits("task-rate-limit", values["task-rate-limit"]) }),
    ...(values["max-schedules"] !== undefined &&
      { maxSchedules: count("max-schedules", values["max-schedules"], 1000, 0) }),
    ...queueSettings(values),
    ...webhookSettings(values, env),
    ...(values["webhook-secret"] !== undefined
      ? { webhookSecretFrom: "flag" as const }
      : env("WORKLOOM_WEBHOOK_SECRET") !== undefined
      ? { webhookSecretFrom: "env" as const }
      : {}),
    limits: limitSettings(values),
    chunks: chunkSettings(values),
    ...queueCa(values, options.readFile ?? runtime.readTextFile),
  };
}

function queueSettings(values: {
  queue?: string;
  "node-id"?: string;
  "claim-idle"?: string;
  "max-deliveries"?: string;
  "redis-timeout"?: string;
}): Pick<ServeSettings, "queue" | "nodeId" | "claimIdleMs" | "maxDeliveries" | "redisTimeoutMs"> {
  const { queue } = values;
  if (queue === undefined) {
    for (const name of ["node-id", "claim-idle", "max-deliveries", "redis-timeout"] as const) {
      if (values[name] !== undefined) throw new TypeError(`--${name} needs --queue`);
    }
    return {};
  }
  if (!/^(rediss?|redis\+sentinel):\/\//.test(queue)) {
    throw new TypeError(`--queue must be a redis:// URL: got ${JSON.stringify(queue)}`);
  }
  return {
    queue,
    nodeId: values["node-id"],
    claimIdleMs: values["claim-idle"] === undefined
      ? undefined
      : measure("claim-idle", values["claim-idle"], 5000, parseDuration),
    maxDeliveries: values["max-deliveries"] === undefined
      ? undefined
      : count("max-deliveries", values["max-deliveries"], 3),
    redisTimeoutMs: values["redis-timeout"] === undefined
      ? undefined
      : measure("redis-timeout", values["redis-timeout"], 2000, parseDuration),
  };
}

function queueCa(
  values: { queue?: string; "queue-ca"?: string },
  readFile: (path: string) => ReadResult,
): Pick<ServeSettings, "queueCa"> {
  const path = values["queue-ca"];
  if (path === undefined) return {};
  if (values.queue === undefined || !values.queue.startsWith("rediss")) {
    throw new TypeError(
      `--queue-ca needs a rediss:// --queue: got --queue-ca ${JSON.stringify(path)}`,
    );
  }
  const read = readFile(path);
  if (!read.ok) {
    throw new TypeError(`--queue-ca ${JSON.stringify(path)} cannot be read (${read.reason})`);
  }
  if (!read.text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new TypeError(`--queue-ca ${JSON.stringify(path)} holds no PEM certificate`);
  }
  return { queueCa: read.text };
}
