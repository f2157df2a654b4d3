/**
 * `createServer`: the job server as a Hono app over a pool, with the job runner and store behind
 * it. Mount the app in your own Hono app or serve its `fetch` with `Deno.serve`/`Bun.serve`.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import type { Pool } from "../pool.ts";
import type { JobRunnerApi, JobStoreApi } from "../jobs/job_backend.ts";
import { memoryQueue } from "../jobs/memory_queue.ts";
import { ApiError, errorResponse } from "./api_error.ts";
import { bearerToken } from "./auth.ts";
import { hostCheck } from "./host_check.ts";
import { dashboardEventsRoute, dashboardPageRoute } from "./dashboard_route.ts";
import { eventRoute } from "./event_route.ts";
import { probeRoutes, taskRoutes } from "./info_routes.ts";
import { jobRoutes } from "./job_routes.ts";
import { metricsRoute, rateLimitedFamilies } from "./metrics_route.ts";
import { ServerMetrics } from "./server_metrics.ts";
import { StreamSlots } from "./stream_slots.ts";
import type { ConnectionInfo } from "./client_address.ts";
import { listNodes, nodeRoutes } from "./node_routes.ts";
import { resolveServerOptions, type ServerOptions } from "./server_options.ts";
import { MemorySchedules } from "../schedules/memory_schedules.ts";
import { Schedules } from "../schedules/schedules.ts";
import { scheduleRoutes } from "./schedule_routes.ts";
import { FULL_CODES, JobsFullError } from "../jobs/job_errors.ts";
import { releaseDeadlines } from "../jobs/wait_deadlines.ts";
import { withTimeout } from "./job_routes.ts";
import type { ServerContext } from "./server_context.ts";
import { startSweeper } from "./sweeper.ts";
import { droppedDeliveries, startWebhooks } from "./webhooks.ts";

/** A job server: its Hono app, what is behind it, and how to stop it. */
export interface JobServer {
  /** The Hono app: mount it with `app.route("/", server.app)` or serve `server.fetch`. */
  readonly app: OpenAPIHono;
  /**
   * The app's request handler. `info.remoteAddress`, the client's address, is what the
   * per-client quotas and stream cap count by (`serveHttp` passes it); without it none of the
   * per-client limits applies (the server-wide ones still do).
   */
  readonly fetch: (request: Request, info?: ConnectionInfo) => Response | Promise<Response>;
  /** The job runner (submit and cancel from code): a `JobRunner` with the in-memory default. */
  readonly runner: JobRunnerApi;
  /** The job store: a `JobStore` with the in-memory default. */
  readonly store: JobStoreApi;
  /** Event streams open now (job events and dashboards). */
  readonly openStreams: number;
  /** The server's counters, as `GET /metrics` and the dashboard read them. */
  readonly metrics: ServerMetrics;
  /**
   * The schedules (what `/schedules` serves): in Redis with a Redis queue (shared by every
   * node), else in this process's memory.
   */
  readonly schedules: Schedules;
  /**
   * Stops taking jobs (503), cancels waiting ones, lets running ones finish within `timeoutMs`
   * and cancels the rest, then stops the server's timers. Every job is final when it resolves;
   * the pool is left open (it is yours).
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

// deno-lint-ignore no-explicit-any
type AnyPool = Pool<any>;

/** Formats a zod issue path as a field name: `[0].task`, `input`, or the part of the request. */
function fieldName(path: readonly PropertyKey[], target: string): string {
  if (path.length === 0) return target === "json" ? "body" : target;
  return path.map((p, i) =>
    typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`
  ).join("");
}

/**
 * Creates the job server for `pool`. It imports the pool's task module itself: only functions
 * that module exports (its own exports, never inherited names) can be run by name.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "../../mod.ts";
 * import { createServer } from "./create_server.ts";
 * const pool = createPool(new URL("./tasks.ts", import.meta.url));
 * const server = await createServer(pool, { token: "s3cret" });
 * Deno.serve({ port: 8787 }, server.fetch);
 * ```
 */
export async function createServer(pool: AnyPool, options: ServerOptions = {}): Promise<JobServer> {
  const o = resolveServerOptions(options, pool.options.maxWorkers);
  const module = (await import(pool.moduleUrl)) as Record<string, unknown>;
  const taskNames = Object.keys(module).filter((k) => typeof module[k] === "function");
  const taskSet = new Set(taskNames);
  const backend = await (o.queue ?? memoryQueue()).open(pool, {
    keyConcurrency: o.keyConcurrency,
    maxQueue: o.maxQueue,
    maxQueuePerKey: o.maxQueuePerKey,
    maxQueuePerClient: o.maxQueuePerClient,
    maxStoreBytes: o.maxStoreBytes,
    maxResult: o.maxResult,
    concurrency: o.concurrency,
    maxJobs: o.maxJobs,
    jobTtlMs: o.jobTtlMs,
    webhookMaxPending: o.webhookMaxPending,
    rateLimits: { keys: o.keyRateLimits, tasks: o.taskRateLimits },
    now: o.now,
    log: o.log,
  });
  const { runner, store } = backend;
  const streams = new StreamSlots({ max: o.maxStreams, maxPerClient: o.maxStreamsPerClient });
  const counters = new ServerMetrics(pool, runner, { sla: o.sla });
  const webhooks = o.webhookSecrets.length > 0 && backend.outbox !== undefined
    ? await startWebhooks(backend.outbox, o, counters)
    : undefined;
  const closed = new AbortController();
  const ctx: ServerContext = {
    runner,
    store,
    taskNames,
    // The task names as a set, read once: a lookup on the module namespace object itself is a
    // slow path in V8 (about 1 µs a request under --cpu-prof), and a set holds only the module's
    // own exports, so `__proto__`, `constructor` or `toString` can never name a task.
    hasTask: (name) => taskSet.has(name),
    metrics: () => pool.metrics(),
    keepAliveMs: o.keepAliveMs,
    streams,
    streamLimits: { maxLag: o.maxStreamLag, stallMs: o.streamStallMs },
    counters,
  };
  // Refused submissions are counted by the error code the client gets.
  const isSubmission = (c: { req: { method: string; path: string } }): boolean =>
    c.req.method === "POST" && /\/jobs(\/batch)?\/?$/.test(c.req.path);

  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const field = fieldName(issue?.path ?? [], result.target);
      if (isSubmission(c)) counters.rejected("invalid_request");
      return c.json({
        error: { code: "invalid_request", message: `${field}: ${issue?.message ?? "is invalid"}` },
      }, 400);
    },
  });
  app.onError((e, c) => {
    const response = errorResponse(c, e, o.log);
    if (isSubmission(c)) {
      counters.rejected(e instanceof ApiError ? e.code : `http_${response.status}`);
    }
    return response;
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: "No such route" } }, 404));
  // Without a token, only requests naming this machine (or an allowed name) are answered at
  // all, the probes and the page included: see host_check.ts (DNS rebinding).
  if (o.token === undefined) app.use("*", hostCheck(o.allowedHosts));
  if (o.cors) app.use("*", cors({ origin: o.cors }));
  probeRoutes(app, ctx);
  // The page holds no data (its stream below needs the token), and a browser cannot send a
  // bearer token when it opens a page.
  dashboardPageRoute(app);
  // Everything registered after this line needs the token; the probes and the page above do not.
  if (o.token !== undefined) app.use("*", bearerToken(o.token));
  app.use("*", async (c, next) => {
    if (c.req.method === "POST" && !runner.accepting) {
      throw new ApiError(503, "draining", "The server is shutting down and takes no new jobs", {
        "Retry-After": "5",
      });
    }
    await next();
  });
  jobRoutes(app, ctx, {
    maxBody: o.maxBody,
    bodyTimeoutMs: o.bodyTimeoutMs,
    maxWaitMs: o.maxWaitMs,
    jobTimeoutMs: o.jobTimeoutMs,
    maxJobTimeoutMs: o.maxJobTimeoutMs,
    webhooks: webhooks !== undefined,
    webhookUrl: o.webhookUrl,
  });
  eventRoute(app, ctx);
  taskRoutes(app, ctx);
  metricsRoute(
    app,
    counters,
    () => listNodes(ctx),
    async () => rateLimitedFamilies(await runner.rateLimited?.() ?? {}),
  );
  dashboardEventsRoute(app, ctx, counters, {
    intervalMs: o.dashboardIntervalMs,
    closed: closed.signal,
    slaTargets: o.sla.length,
  });
  nodeRoutes(app, ctx);
  const limits = {
    maxBody: o.maxBody,
    bodyTimeoutMs: o.bodyTimeoutMs,
    maxWaitMs: o.maxWaitMs,
    jobTimeoutMs: o.jobTimeoutMs,
    maxJobTimeoutMs: o.maxJobTimeoutMs,
  };
  const schedules = new Schedules({
    book: backend.schedules ??
      new MemorySchedules(
        runner,
        o.now,
        (e) => e instanceof JobsFullError ? FULL_CODES[e.bound] : undefined,
      ),
    store,
    limits: { maxSchedules: o.maxSchedules, minIntervalMs: o.minScheduleIntervalMs },
    check: (spec) => {
      if (!ctx.hasTask(spec.task)) {
        throw new ApiError(404, "unknown_task", `task: no task named ${JSON.stringify(spec.task)}`);
      }
      withTimeout(
        { ...spec.jobOptions, task: spec.task, input: undefined },
        limits,
        "jobOptions.timeoutMs",
      );
    },
    request: (request) => withTimeout(request, limits, "jobOptions.timeoutMs"),
    now: o.now,
    pollMs: o.schedulePollMs,
    log: o.log,
  });
  scheduleRoutes(app, schedules);
  ctx.listSchedules = () => schedules.list();
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
  });
  app.doc("/openapi.json", {
    openapi: "3.0.0",
    info: { title: "workloom job server", version: "0.1.0" },
    security: o.token !== undefined ? [{ bearer: [] }] : [],
  });

  // A shared store may be unreachable for a while: the next sweep tries again.
  const sweeper = startSweeper(store, o.sweepIntervalMs, o.log);
  schedules.start();
  let closing: Promise<void> | undefined;
  return {
    app,
    fetch: (request, info) => app.fetch(request, { remoteAddress: info?.remoteAddress }),
    runner,
    store,
    get openStreams() {
      return streams.open;
    },
    metrics: counters,
    schedules,
    close(closeOptions = {}) {
      // A draining node fires no tick: on a shared queue, the other nodes fire them.
      schedules.stop();
      // Dashboards watch until the end: let them go now, so that the HTTP server's graceful
      // stop is not held open by a stream that never ends by itself.
      closed.abort();
      const timeoutMs = closeOptions.timeoutMs ?? 0;
      const end = performance.now() + timeoutMs;
      closing ??= runner.drain({ timeoutMs }).finally(async () => {
        sweeper.stop();
        // The same drain bounds the webhooks: those of jobs that just ended still go out.
        const dropped = await webhooks?.drain(Math.max(0, end - performance.now())) ?? [];
        if (dropped.length > 0) o.log(droppedDeliveries(dropped, timeoutMs));
        counters.close();
        // The deadlines' idle timers (kept unref'd between requests) go with the server.
        releaseDeadlines();
        return backend.close();
      });
      return closing;
    },
  };
}
