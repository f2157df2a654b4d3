/**
 * The request and response schemas of the schedule routes (they validate requests and make the
 * OpenAPI document, as the job schemas do).
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import { JobSubmitSchema } from "./schemas.ts";

const YEAR_MS = 366 * 86_400_000;

/** The body of `POST /schedules`. */
export const ScheduleSpecSchema = z.strictObject({
  id: z.string().regex(/^[\w.:-]{1,100}$/, "must be 1 to 100 letters, digits, _ . : or -")
    .describe("Names the schedule; posting the same id again replaces it"),
  cron: z.string().min(1).max(200).optional().describe(
    "A cron expression: 5 fields (minute first), or 6 with seconds first (croner's syntax)",
  ),
  everyMs: z.number().int().min(1).max(YEAR_MS).optional().describe(
    "Or a fixed interval: ticks at the multiples of it since the epoch (at least the minimum interval)",
  ),
  timezone: z.string().min(1).max(100).optional().describe(
    "The IANA time zone of the cron expression (default UTC)",
  ),
  task: JobSubmitSchema.shape.task,
  input: JobSubmitSchema.shape.input,
  jobOptions: JobSubmitSchema.omit({ task: true, input: true, delayMs: true }).optional()
    .describe("Options of each job a tick makes, as in POST /jobs"),
}).openapi("ScheduleSpec");

/** The body of `PATCH /schedules/:id`. */
export const SchedulePatchSchema = z.strictObject({
  paused: z.boolean().describe("true pauses the schedule; false resumes it from its next tick"),
}).openapi("SchedulePatch");

/** A schedule as the server sends it. */
export const ScheduleSchema = ScheduleSpecSchema.extend({
  paused: z.boolean(),
  nextRuns: z.array(z.string()).describe("The next ticks (ISO times); none while paused"),
  lastRuns: z.array(z.object({
    at: z.string().describe("The tick's time"),
    jobId: z.string().optional(),
    status: z.string().describe(
      "The job's status now (or expired, missing); refused when no job was made",
    ),
    refused: z.string().optional().describe("The error code that refused the job"),
  })).describe("The last runs, newest first"),
}).openapi("Schedule");

/** `GET /schedules`. */
export const ScheduleListSchema = z.object({ schedules: z.array(ScheduleSchema) }).openapi(
  "ScheduleList",
);

/** A schedule id in the path. */
export const ScheduleIdParamSchema = z.object({
  id: z.string().min(1).max(100).openapi({ param: { name: "id", in: "path" } }),
});
