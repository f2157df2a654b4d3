/**
 * `workloom serve`: the job server over a pool of the given task module, on Deno, Bun or Node, until
 * SIGINT or SIGTERM; then it drains (running jobs finish within --drain-timeout, the rest are
 * cancelled), closes the pool and resolves with exit code 0. A second signal exits at once.
 *
 * @module
 */
import { createPool } from "../pool.ts";
import {
  exitAfter,
  exitNow,
  listenHttp,
  onShutdownSignal,
  workingDirectoryUrl,
} from "../adapter/serve.ts";
import { runtime } from "../adapter/runtime.ts";
import { redactUrl, scrubber, urlSecrets } from "../redact.ts";
import { childPermissions, describe, serveWarnings, typeScriptRefusal } from "./serve_guards.ts";
import { importPeers, REDIS_PEERS, SERVER_PEERS } from "./peers.ts";
import { readServeSettings, SERVE_USAGE, type ServeSettings } from "./serve_settings.ts";

/** Where the command writes. */
export interface ServeIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
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
    // In memory, the default store unless a streamed-job flag asks for other settings.
    const inMemory = s.queue === undefined && Object.keys(s.chunks).length > 0
      ? (await import("../jobs/memory_queue.ts")).memoryQueue(s.chunks)
      : undefined;
    const queue = s.queue === undefined || redisQueue === undefined ? inMemory : redisQueue(
      s.queue,
      {
        nodeId: s.nodeId,
        claimIdleMs: s.claimIdleMs,
        maxDeliveries: s.maxDeliveries,
        commandTimeoutMs: s.redisTimeoutMs,
        ca: s.queueCa,
        ...s.chunks,
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
