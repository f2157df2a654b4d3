/**
 * The job routes: submit one or a batch, read, list, cancel. Validation is the schemas'; what
 * the job layer refuses becomes the matching error answer here.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Job, JobRequest } from "../jobs/job.ts";
import {
  DrainingError,
  FULL_CODES,
  IdempotencyConflictError,
  JobsFullError,
} from "../jobs/job_errors.ts";
import type { JobLookup } from "../jobs/job_store.ts";
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";
import { readBody } from "./body_reader.ts";
import { clientAddress } from "./client_address.ts";
import { ApiError } from "./api_error.ts";
import { jsonDepthWithin, MAX_BODY_DEPTH } from "./json_depth.ts";
import {
  ErrorSchema,
  IdempotencyHeaderSchema,
  IdParamSchema,
  JobBatchSchema,
  JobPageSchema,
  JobSchema,
  JobSubmitSchema,
  ListQuerySchema,
  MAX_PAGE_BYTES,
  SubmittedSchema,
  WaitQuerySchema,
} from "./schemas.ts";
import type { ServerContext } from "./server_context.ts";
import { utf8Body } from "./utf8_body.ts";
import { waitForJob } from "./wait_for_job.ts";

const json = <T>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const error = (description: string) => json(ErrorSchema, description);

const UNAVAILABLE = error("The job queue is out of reach: queue_unavailable (see Retry-After)");

const SUBMIT_ERRORS = {
  400: error(
    "Malformed JSON or UTF-8, JSON nested too deep, a field of the wrong type or range, or a " +
      "timeout over the limit",
  ),
  401: error("Missing or wrong bearer token"),
  404: error("Unknown task"),
  413: error("Body over the limit"),
  415: error("Body is not application/json"),
  421: error("Without a token: Host names neither a loopback address nor an allowed host"),
  429: error("Job queue, store, store bytes or a tenant's quota full (see Retry-After)"),
  503: error("Shutting down, or the job queue is out of reach (see Retry-After)"),
};

/** Refuses a body that is not JSON before anything reads it. */
const jsonOnly: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;.*)?$/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "The body must be application/json");
  }
  await next();
};

/**
 * Refuses a body nested deeper than `MAX_BODY_DEPTH` from its text, before the parser (which
 * recurses on Bun), the validator or the fingerprint walk it. The text is kept: the validator
 * parses the same one.
 */
const shallowJson: MiddlewareHandler = async (c, next) => {
  if (!jsonDepthWithin(await c.req.text(), MAX_BODY_DEPTH)) {
    throw new ApiError(
      400,
      "json_too_deep",
      `The body nests arrays and objects more than ${MAX_BODY_DEPTH} levels deep`,
    );
  }
  await next();
};

/** Maps what the job layer throws on submission to its answer. */
function submitError(e: unknown): never {
  if (e instanceof JobsFullError) {
    throw new ApiError(429, FULL_CODES[e.bound], e.message, {
      "Retry-After": String(e.retryAfterSeconds),
    });
  }
  if (e instanceof IdempotencyConflictError) {
    throw new ApiError(409, "idempotency_conflict", e.message);
  }
  if (e instanceof DrainingError) {
    throw new ApiError(503, "draining", e.message, { "Retry-After": "5" });
  }
  // As an ApiError here, so that refused submissions are counted under its code.
  if (e instanceof QueueUnavailableError) {
    throw new ApiError(503, "queue_unavailable", e.message, {
      "Retry-After": String(e.retryAfterSeconds),
    });
  }
  throw e;
}

/** The job, or the 404/410 answer for an id that names none. */
function found(lookup: JobLookup, id: string): Job {
  if (lookup.state === "found") return lookup.job;
  if (lookup.state === "expired") {
    throw new ApiError(410, "job_expired", `Job '${id}' finished and expired`);
  }
  throw new ApiError(404, "job_not_found", `No job has the id '${id}'`);
}

/** The long-poll's wait: what `?wait=` asks, cut to `maxWaitMs`. */
function waitMs(wait: string | undefined, maxWaitMs: number): number {
  return wait === undefined ? 0 : Math.min(Number(wait), maxWaitMs);
}

/** The server-wide limits the job routes apply. */
export interface JobLimits {
  /** Largest request body, in bytes. */
  maxBody: number;
  /** How long a request's body may take to arrive, in ms. */
  bodyTimeoutMs: number;
  /** The longest `?wait=`, in ms. */
  maxWaitMs: number;
  /** The timeout of a job that names none, in ms. */
  jobTimeoutMs: number;
  /** The longest timeout a job may ask for, in ms. */
  maxJobTimeoutMs: number;
  /** True when the server signs webhooks (it has secrets): only then may a job name one. */
  webhooks?: boolean;
  /** The webhook of jobs that name none. */
  webhookUrl?: string;
}

/**
 * The request with the server's default webhook when it names none; a 400 when it names one and
 * the server has no secret to sign it with.
 */
function withWebhook(request: JobRequest, limits: JobLimits, field: string): JobRequest {
  if (request.webhook !== undefined && !limits.webhooks) {
    throw new ApiError(
      400,
      "webhooks_off",
      `${field}: this server sends no webhooks (start it with --webhook-secret)`,
    );
  }
  if (request.webhook !== undefined || limits.webhookUrl === undefined) return request;
  return { ...request, webhook: { url: limits.webhookUrl } };
}

/**
 * The request with the server's default timeout when it names none; a 400 naming the limit when
 * it asks for more than the maximum. Every job thus has a timeout: one that never ends cannot
 * hold a slot for ever.
 */
export function withTimeout(request: JobRequest, limits: JobLimits, field: string): JobRequest {
  const asked = request.timeoutMs;
  if (asked === undefined) return { ...request, timeoutMs: limits.jobTimeoutMs };
  if (asked > limits.maxJobTimeoutMs) {
    throw new ApiError(
      400,
      "job_timeout_over_limit",
      `${field}: ${asked} ms is over the server's maximum job timeout (--max-job-timeout) of ` +
        `${limits.maxJobTimeoutMs} ms`,
    );
  }
  return request;
}

/**
 * Registers the job routes on `app`.
 *
 * @example
 * ```ts ignore
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { jobRoutes } from "./job_routes.ts";
 * jobRoutes(new OpenAPIHono(), context, {
 *   maxBody: 1 << 20,
 *   bodyTimeoutMs: 10_000,
 *   maxWaitMs: 30_000,
 *   jobTimeoutMs: 300_000,
 *   maxJobTimeoutMs: 3_600_000,
 * });
 * ```
 */
export function jobRoutes(app: OpenAPIHono, ctx: ServerContext, limits: JobLimits): void {
  const boundedBody = readBody(limits);
  const checkTask = (body: JobRequest, field = "task"): void => {
    if (!ctx.hasTask(body.task)) {
      throw new ApiError(
        404,
        "unknown_task",
        `${field}: no task named ${JSON.stringify(body.task)}`,
      );
    }
  };
  const statusUrl = (path: string, id: string) => `${path.replace(/\/batch$/, "")}/${id}`;

  app.openapi(
    createRoute({
      method: "post",
      path: "/jobs",
      summary: "Submit a job",
      middleware: [boundedBody, jsonOnly, utf8Body, shallowJson] as const,
      request: {
        body: { ...json(JobSubmitSchema, "The job"), required: true },
        query: WaitQuerySchema,
        headers: IdempotencyHeaderSchema,
      },
      responses: {
        200: json(SubmittedSchema, "Finished within ?wait=, or an idempotent replay"),
        202: json(SubmittedSchema, "Accepted"),
        409: error("Idempotency-Key reused with another body"),
        ...SUBMIT_ERRORS,
      },
    }),
    async (c) => {
      const body = withWebhook(
        withTimeout(c.req.valid("json") as JobRequest, limits, "timeoutMs"),
        limits,
        "webhook",
      );
      checkTask(body);
      let submitted: { job: Job; created: boolean };
      try {
        submitted = await ctx.runner.submit(body, {
          idempotencyKey: c.req.valid("header")["idempotency-key"],
          client: clientAddress(c),
        });
      } catch (e) {
        submitError(e);
      }
      const { job, created } = submitted;
      const url = statusUrl(c.req.path, job.id);
      if (created) ctx.counters.submitted([job.id]);
      if (!created) return c.json({ ...job, statusUrl: url, idempotent: true }, 200);
      const wait = c.req.valid("query").wait;
      // Without ?wait= the job is answered as submitted: reading it back would cost a Redis round
      // trip per request, to say what the client learns from GET /jobs/:id anyway.
      if (wait === undefined) return c.json({ ...job, statusUrl: url }, 202);
      let now: Job;
      try {
        now = found(await waitForJob(ctx.store, job.id, waitMs(wait, limits.maxWaitMs)), job.id);
      } catch (e) {
        // The job exists: answer 202 with it as submitted, not a 503 that invites a duplicate.
        if (!(e instanceof QueueUnavailableError)) throw e;
        now = job;
      }
      // 200 only for a long-poll that saw the end.
      const done = now.status === "succeeded" || now.status === "failed" ||
        now.status === "cancelled";
      return c.json({ ...now, statusUrl: url }, done ? 200 : 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/jobs/batch",
      summary: "Submit jobs together (all or none), scheduled heavy-first by weight",
      middleware: [boundedBody, jsonOnly, utf8Body, shallowJson] as const,
      request: { body: { ...json(JobBatchSchema, "The jobs"), required: true } },
      responses: {
        202: json(
          SubmittedSchema.pick({ id: true, status: true, statusUrl: true }).array(),
          "Accepted, in request order",
        ),
        ...SUBMIT_ERRORS,
      },
    }),
    async (c) => {
      const body = (c.req.valid("json") as JobRequest[]).map((job, i) =>
        withWebhook(withTimeout(job, limits, `[${i}].timeoutMs`), limits, `[${i}].webhook`)
      );
      body.forEach((job, i) => checkTask(job, `[${i}].task`));
      let jobs: Job[];
      try {
        jobs = await ctx.runner.submitBatch(body, { client: clientAddress(c) });
      } catch (e) {
        submitError(e);
      }
      ctx.counters.submitted(jobs.map((j) => j.id));
      const base = statusUrl(c.req.path, "");
      return c.json(jobs.map((j) => ({ id: j.id, status: j.status, statusUrl: base + j.id })), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}",
      summary: "Read a job (with ?wait=MS, once it is final or at the deadline)",
      request: { params: IdParamSchema, query: WaitQuerySchema },
      responses: {
        200: json(JobSchema, "The job"),
        400: error("Bad ?wait="),
        401: error("Missing or wrong bearer token"),
        404: error("No such job"),
        410: error("The job expired"),
        503: UNAVAILABLE,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const wait = waitMs(c.req.valid("query").wait, limits.maxWaitMs);
      return c.json(found(await waitForJob(ctx.store, id, wait), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/jobs",
      summary: "List jobs in submission order",
      request: { query: ListQuerySchema },
      responses: {
        200: json(
          JobPageSchema,
          `A page of jobs; nextCursor when more may follow; cut: true when the page ended at ` +
            `about ${MAX_PAGE_BYTES} bytes of results and progress (read on from nextCursor)`,
        ),
        400: error("Bad filter"),
        401: error("Missing or wrong bearer token"),
        503: UNAVAILABLE,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (limit < 1 || limit > 1000) {
        throw new ApiError(400, "invalid_request", "limit: must be a whole number from 1 to 1000");
      }
      const page = await ctx.store.list({
        status: q.status as Job["status"] | undefined,
        task: q.task,
        limit,
        cursor: q.cursor === undefined ? undefined : Number(q.cursor),
        maxBytes: MAX_PAGE_BYTES,
      });
      if (page.nextCursor === undefined) return c.json({ jobs: page.jobs }, 200);
      const next = { jobs: page.jobs, nextCursor: String(page.nextCursor) };
      return c.json(page.cut ? { ...next, cut: true } : next, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/jobs/{id}",
      summary: "Cancel a job",
      request: { params: IdParamSchema },
      responses: {
        200: json(JobSchema, "The cancelled job"),
        401: error("Missing or wrong bearer token"),
        404: error("No such job"),
        409: error("The job is already final"),
        410: error("The job expired"),
        503: UNAVAILABLE,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const outcome = await ctx.runner.cancel(id);
      const job = found(await ctx.store.lookup(id), id);
      if (outcome === "final") {
        throw new ApiError(409, "job_final", `Job '${id}' is already ${job.status}`);
      }
      return c.json(job, 200);
    },
  );
}
