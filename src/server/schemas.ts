/**
 * The request and response schemas of the job server. The same zod schemas validate requests
 * and generate the OpenAPI document served at `/openapi.json`, so the two cannot drift apart.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { JOB_STATUSES } from "../jobs/job.ts";
import { urlProblem } from "../webhooks/webhook_url.ts";

/** Deepest nesting of a job's input: deeper JSON is refused (it only serves to exhaust stacks). */
export const MAX_INPUT_DEPTH = 64;

/**
 * About the most bytes of results, errors and progress one page of `GET /jobs` holds: a page
 * that would pass it ends early with `cut: true` and a `nextCursor` (it always holds one job).
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** Longest wait of a long-poll (`?wait=`), in milliseconds: the default and the most `maxWaitMs` may be. */
export const MAX_WAIT_MS = 30_000;

const DAY_MS = 86_400_000;

/** Nesting depth of a JSON value, counted without recursion so that it cannot overflow a stack. */
function depthWithin(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d >= max) return false;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return true;
}

const name = (what: string) => z.string().min(1).max(200).describe(what);
const int = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * `schema`, parsed in the request's own turn. The routes' validator (zod-openapi's) calls
 * `safeParseAsync`, and zod's compiled fast path for objects runs only in a synchronous parse;
 * these schemas have no async check, so the synchronous parse gives the same answer at a third
 * to two thirds of the cost (0.4 against 1.0 µs a job of a batch on Deno, 0.7 against 1.1 on
 * Bun). An async check added to such a schema makes zod throw on every request: a route test
 * fails at once.
 */
function parsedInTurn<S extends z.ZodType>(schema: S): S {
  const safeParseAsync: S["safeParseAsync"] = (data, params) =>
    Promise.resolve(schema.safeParse(data, params));
  Object.defineProperty(schema, "safeParseAsync", { value: safeParseAsync });
  return schema;
}

/** The body of `POST /jobs`. */
export const JobSubmitSchema = z.strictObject({
  task: name("An exported function of the server's task module"),
  input: z.unknown().refine((v) => depthWithin(v, MAX_INPUT_DEPTH), {
    message: `must nest at most ${MAX_INPUT_DEPTH} levels deep`,
  }).optional().describe("The task's input, any JSON"),
  priority: int(-1_000_000, 1_000_000).optional().describe("Lower runs first within its key"),
  timeoutMs: int(1, DAY_MS).optional().describe("Each attempt fails after this long"),
  delayMs: int(0, DAY_MS).optional().describe("Held as delayed this long first"),
  attempts: int(1, 100).optional().describe("Runs at most, when the task throws (default 1)"),
  backoffMs: int(0, 3_600_000).optional().describe("Wait before attempt 2, doubling after"),
  concurrencyKey: name("Jobs of one key run at most --key-concurrency at once").optional(),
  weight: z.number().min(0).max(1e9).optional().describe("Heavier jobs of a batch run first"),
  stage: name("Stage for the pool's metrics").optional(),
  webhook: z.strictObject({
    url: z.string().max(2048).refine((u) => urlProblem(u) === undefined, {
      message: "must be an http or https URL without credentials",
    }).describe("Where the final job is POSTed, signed (Standard Webhooks)"),
  }).optional().describe(
    "Call this URL when the job is final (the server's --webhook-url if absent)",
  ),
  rateLimit: z.strictObject({
    max: int(1, 1_000_000).describe("Jobs of the key that may start in one window"),
    windowMs: int(1, DAY_MS).describe("The sliding window, in ms"),
  }).optional().describe("Overrides the server's rate limit of this job's concurrency key"),
  stream: z.boolean().optional().describe("A generator task: its chunks go out as chunk events"),
}).openapi("JobSubmit");
parsedInTurn(JobSubmitSchema);

/** The body of `POST /jobs/batch`. */
export const JobBatchSchema = parsedInTurn(
  z.array(JobSubmitSchema).min(1).max(1000).openapi("JobBatch"),
);

const WebhookStateSchema = z.object({
  url: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int().describe("Delivery attempts made so far"),
  lastError: z.string().optional().describe("Why the last attempt failed"),
  nextAttemptAt: z.string().optional().describe("When the next attempt is due"),
}).openapi("WebhookState");

const JobErrorSchema = z.object({ name: z.string(), message: z.string() }).openapi("JobError");

/** A job as the server sends it. */
export const JobSchema = z.object({
  id: z.string(),
  task: z.string(),
  status: z.enum(JOB_STATUSES as [string, ...string[]]),
  progress: z.unknown().optional(),
  result: z.unknown().optional(),
  error: JobErrorSchema.optional(),
  attempts: z.number().int(),
  submittedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  runAt: z.string().optional().describe("When its last delay or retry backoff ends or ended"),
  webhook: WebhookStateSchema.optional().describe("Its completion webhook's delivery"),
  waitingFor: z.enum(["rate_limit"]).optional().describe(
    "Set while a queued job waits for its key's or task's rate limit",
  ),
  notBefore: z.string().optional().describe("With waitingFor: the earliest it may start"),
}).openapi("Job");

/** A page of `GET /jobs`. */
export const JobPageSchema = z.object({
  jobs: z.array(JobSchema),
  nextCursor: z.string().optional(),
  cut: z.boolean().optional().describe(
    "True when the page ended early at its byte bound: read on from nextCursor",
  ),
}).openapi("JobPage");

/** The answer to a submission: the job, where to read it, and whether it was a replay. */
export const SubmittedSchema = JobSchema.extend({
  statusUrl: z.string(),
  idempotent: z.boolean().optional(),
}).openapi("SubmittedJob");

/** Every error answer. */
export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
}).openapi("Error");

/** `?wait=MS`: how long to hold the request for the job to finish (capped at `maxWaitMs`, 30 s by default). */
export const WaitQuerySchema = z.object({
  wait: z.string().regex(/^\d{1,12}$/, "must be a whole number of milliseconds").optional()
    .openapi({ param: { name: "wait", in: "query" }, example: "5000" }),
});

/** `GET /jobs` filters and paging. */
export const ListQuerySchema = z.object({
  status: z.enum(JOB_STATUSES as [string, ...string[]]).optional(),
  task: z.string().max(200).optional(),
  limit: z.string().regex(/^\d{1,4}$/, "must be a whole number from 1 to 1000").optional(),
  cursor: z.string().regex(/^\d{1,15}$/, "must be the nextCursor of a previous page").optional(),
});

/** A job id in the path. */
export const IdParamSchema = z.object({
  id: z.string().min(1).max(100).openapi({ param: { name: "id", in: "path" } }),
});

/** The optional `Idempotency-Key` header. */
export const IdempotencyHeaderSchema = z.object({
  "idempotency-key": z.string().min(1).max(200).optional().openapi({
    param: { in: "header" },
  }),
});

/** `GET /tasks`: the task names with their lane and what the pool measured. */
export const TasksSchema = z.object({
  tasks: z.array(z.object({
    name: z.string(),
    lane: z.string().nullable(),
    stats: z.object({
      count: z.number(),
      ok: z.number(),
      failed: z.number(),
      meanRunMs: z.number(),
      p90RunMs: z.number(),
      waitComputeRatio: z.number().nullable(),
    }).nullable(),
  })),
}).openapi("Tasks");
