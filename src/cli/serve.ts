/**
 * `workloom serve`: the job server over a pool of the given task module, on Deno, Bun or Node, until
 * SIGINT or SIGTERM; then it drains (running jobs finish within --drain-timeout, the rest are
 * cancelled), closes the pool and resolves with exit code 0. A second signal exits at once.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createPool } from "../pool.ts";
import type { RateLimit } from "../jobs/rate_limit.ts";
import { parseRateLimits } from "./rate_limit_flags.ts";
import {
  exitAfter,
  exitNow,
  listenHttp,
  onShutdownSignal,
  workingDirectoryUrl,
} from "../adapter/serve.ts";
import { runtime } from "../adapter/runtime.ts";
import type { ReadResult, RuntimeKey } from "../adapter/types.ts";
import { redactUrl, scrubber, urlSecrets } from "../redact.ts";
import { isLoopback } from "../server/loopback.ts";
import { LIMIT_FLAGS, LIMIT_USAGE, type LimitSettings, limitSettings } from "./serve_limits.ts";
import {
  WEBHOOK_FLAGS,
  WEBHOOK_USAGE,
  type WebhookSettings,
  webhookSettings,
} from "./serve_webhooks.ts";
import {
  childPermissions,
  describe,
  hostList,
  readToken,
  serveWarnings,
  typeScriptRefusal,
} from "./serve_guards.ts";
import { importPeers, REDIS_PEERS, SERVER_PEERS } from "./peers.ts";
import { parseBytes, parseDuration } from "./units.ts";

/** Where the command writes. */
export interface ServeIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

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
  /** The connection limits given (streams, body time, long-poll). */
  limits: LimitSettings;
  /** With --queue-ca: the PEM text of the CA of a rediss:// Redis. */
  queueCa?: string;
}

function count(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new RangeError(
      `--${name} must be a whole number of at least ${min}: got ${JSON.stringify(text)}`,
    );
  }
  return n;
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
  try {
    const n = parse(text);
    if (n >= 1) return n;
  } catch {
    // Reported below with the option's name.
  }
  throw new RangeError(
    `--${name} must be a positive size or duration such as 1mb or 10s: got ${JSON.stringify(text)}`,
  );
}

/**
 * Reads `workloom serve`'s arguments and environment into settings; `"help"` for --help. Throws
 * `RangeError`/`TypeError` (a usage error) for an unknown option, a bad value, or a host other
 * than loopback without a token.
 *
 * @example
 * ```ts
 * import { readServeSettings } from "./serve.ts";
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
    limits: limitSettings(values),
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

/**
 * The curl header that sends the token, as it must be typed to work: the token itself never
 * appears in output, so the header reads it from where the server got it.
 */
function authHeader(s: ServeSettings): { header: string; note?: string } {
  if (s.token === undefined) return { header: "" };
  if (s.tokenFrom === "file" && s.tokenFile !== undefined) {
    const path = s.tokenFile.replaceAll("'", "'\\''");
    return { header: ` -H "Authorization: Bearer $(cat '${path}')"` };
  }
  const header = ` -H "Authorization: Bearer $WORKLOOM_TOKEN"`;
  return s.tokenFrom === "flag"
    ? {
      header,
      note: "  first, in the shell you run curl from: export WORKLOOM_TOKEN=<the --token value>",
    }
    : { header, note: "  with WORKLOOM_TOKEN set to the token in the shell you run curl from" };
}

function banner(url: string, s: ServeSettings, body: string): string {
  const { header: auth, note } = authHeader(s);
  return [
    `workloom job server on ${runtime.key} listening at ${url}`,
    ...(note === undefined ? [] : [note]),
    `  submit and wait up to 5 s:`,
    `    curl -s${auth} -H "Content-Type: application/json" -d '${body}' "${url}/jobs?wait=5000"`,
    `  read it back:  curl -s${auth} ${url}/jobs/<id>`,
    `  the API:       curl -s${auth} ${url}/openapi.json`,
    `Press Ctrl-C to drain and stop.`,
  ].join("\n");
}

/**
 * Runs `workloom serve` with `args` until a shutdown signal; resolves with the exit code (2 for
 * a usage error).
 *
 * @example
 * ```ts ignore
 * import { serve } from "./serve.ts";
 * const code = await serve(["--tasks", "examples/tasks.ts"], { stdout: console.log, stderr: console.error });
 * ```
 */
export async function serve(args: string[], io: ServeIo): Promise<number> {
  let settings: ServeSettings | "help";
  try {
    settings = readServeSettings(args, (name) => runtime.env(name));
  } catch (e) {
    io.stderr(`workloom serve: ${(e as Error).message}\n\n${SERVE_USAGE}`);
    return 2;
  }
  if (settings === "help") {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  const s = settings;
  // Whatever a library puts into a message (a client error quoting its URL), the Redis password
  // and the token never reach the output.
  const scrub = scrubber([
    ...urlSecrets(s.queue ?? ""),
    s.token,
    ...(s.webhooks?.webhookSecrets ?? []),
  ]);
  const out = (text: string): void => io.stdout(scrub(text));
  const err = (text: string): void => io.stderr(scrub(text));
  const queueShown = s.queue === undefined ? undefined : redactUrl(s.queue);
  const refusal = typeScriptRefusal(s.tasks);
  if (refusal !== undefined) {
    err(`workloom serve: ${refusal}`);
    return 1;
  }
  // The optional peers load before anything starts: a missing one fails with nothing to undo.
  let createServer;
  let redisQueue;
  try {
    ({ createServer } = await importPeers(
      () => import("../server/create_server.ts"),
      SERVER_PEERS,
      "the job server",
      runtime.key,
    ));
    // Loaded only when asked for: a node without --queue never loads a Redis client.
    if (s.queue !== undefined) {
      ({ redisQueue } = await importPeers(
        () => import("../../redis.ts"),
        REDIS_PEERS,
        "--queue",
        runtime.key,
      ));
    }
  } catch (e) {
    err(`workloom serve: ${(e as Error).message}`);
    return 1;
  }
  for (const warning of serveWarnings(s)) err(`workloom serve: warning: ${warning}`);
  const moduleUrl = new URL(s.tasks, workingDirectoryUrl());
  const pool = createPool(moduleUrl, {
    isolation: s.isolation,
    ...(s.isolation === "process"
      ? { process: { denoPermissions: childPermissions(moduleUrl) } }
      : {}),
  });
  let server;
  try {
    const queue = s.queue === undefined || redisQueue === undefined ? undefined : redisQueue(
      s.queue,
      {
        nodeId: s.nodeId,
        claimIdleMs: s.claimIdleMs,
        maxDeliveries: s.maxDeliveries,
        commandTimeoutMs: s.redisTimeoutMs,
        ca: s.queueCa,
      },
    );
    server = await createServer(pool, {
      queue,
      token: s.token,
      allowedHosts: s.allowedHosts,
      jobTimeoutMs: s.jobTimeoutMs,
      maxJobTimeoutMs: s.maxJobTimeoutMs,
      maxQueue: s.maxQueue,
      maxQueuePerKey: s.maxQueuePerKey,
      maxQueuePerClient: s.maxQueuePerClient,
      maxBody: s.maxBody,
      maxStoreBytes: s.maxStoreBytes,
      maxResult: s.maxResult,
      jobTtlMs: s.jobTtlMs,
      maxJobs: s.maxJobs,
      keyConcurrency: s.keyConcurrency,
      ...s.webhooks,
      ...s.limits,
      keyRateLimits: s.keyRateLimits,
      taskRateLimits: s.taskRateLimits,
      maxSchedules: s.maxSchedules,
      log: (e) => err(describe(e)),
    });
  } catch (e) {
    await pool.closeNow();
    const what = s.queue === undefined
      ? `load the task module ${s.tasks}`
      : `start with the task module ${s.tasks} and the queue ${queueShown}`;
    err(`workloom serve: cannot ${what}: ${(e as Error).message}`);
    return 1;
  }
  let http;
  try {
    http = await listenHttp(server.fetch, { port: s.port, hostname: s.host });
  } catch (e) {
    // A port in use: undo what started, so that the command ends at once and leaves nothing.
    await server.close({ timeoutMs: 0 });
    await pool.closeNow();
    err(`workloom serve: cannot listen on ${s.host}:${s.port}: ${(e as Error).message}`);
    return 1;
  }
  const shown = s.host.includes(":") ? `[${s.host}]` : s.host;
  const url = `http://${shown}:${http.port}`;
  // The bundled example module gets a curl that works as printed; others get a template.
  const module = await import(pool.moduleUrl);
  const sample = Object.hasOwn(module, "countPrimes")
    ? '{"task":"countPrimes","input":{"from":0,"to":100000}}'
    : '{"task":"<name>","input":<json>}';
  out(banner(url, s, sample));
  out(`Tasks run in ${s.isolation === "process" ? "child processes" : "worker threads"}.`);
  if (queueShown !== undefined) out(`Jobs are shared through the Redis queue at ${queueShown}.`);
  let signals = 0;
  let stopListening = (): void => {};
  const signal = await new Promise<string>((resolve) => {
    stopListening = onShutdownSignal((name) => {
      // The second signal means "now": skip the drain.
      if (++signals > 1) exitNow(130);
      resolve(name);
    });
  });
  out(`workloom serve: ${signal}: draining (up to ${s.drainTimeoutMs} ms)…`);
  // The drain is bounded, but what it waits on may not be (a task that never yields, a Redis
  // that does not answer): past the drain time and a grace, the process ends regardless.
  const boundMs = s.drainTimeoutMs + SHUTDOWN_GRACE_MS;
  const deadline = exitAfter(boundMs, 1, () => {
    err(`workloom serve: not stopped ${boundMs} ms after ${signal}: exiting now`);
    // The exit ends this process's threads but not its task processes: end them first (a
    // synchronous kill), or a spinning one would outlive the server.
    void pool.closeNow();
  });
  await server.close({ timeoutMs: s.drainTimeoutMs });
  await http.close();
  await pool.close({ timeoutMs: 1000 });
  stopListening();
  const c = server.runner.counts();
  out(`workloom serve: stopped (${c.running} running, ${c.queued} queued left)`);
  deadline.cancel();
  // Everything is closed; a thread Deno could not stop (--isolation thread) would still hold
  // the process, so it ends shortly after, once the output above is written.
  exitAfter(EXIT_AFTER_STOP_MS, 0);
  return 0;
}

/** What the process may still take after the drain time to stop: closing the pool and Redis. */
export const SHUTDOWN_GRACE_MS = 2000;
const EXIT_AFTER_STOP_MS = 250;
