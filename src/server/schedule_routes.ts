/**
 * The schedule routes: define (or replace), list, read, pause or resume, and delete schedules.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ScheduleSpecError } from "../schedules/schedule.ts";
import { SchedulesFullError } from "../schedules/schedule_book.ts";
import type { Schedules, ScheduleView } from "../schedules/schedules.ts";
import type { ScheduleSpec } from "../schedules/schedule.ts";
import { ApiError } from "./api_error.ts";
import {
  ScheduleIdParamSchema,
  ScheduleListSchema,
  SchedulePatchSchema,
  ScheduleSchema,
  ScheduleSpecSchema,
} from "./schedule_schemas.ts";
import { ErrorSchema } from "./schemas.ts";

const json = <T>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const error = (description: string) => json(ErrorSchema, description);
const COMMON = {
  401: error("Missing or wrong bearer token"),
  503: error("The job queue is out of reach: queue_unavailable (see Retry-After)"),
};

/** The view of `id`, or 404 `schedule_not_found`. */
function found(view: ScheduleView | undefined, id: string): ScheduleView {
  if (!view) throw new ApiError(404, "schedule_not_found", `No schedule has the id '${id}'`);
  return view;
}

/**
 * Registers the schedule routes on `app`.
 *
 * @example
 * ```ts ignore
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { scheduleRoutes } from "./schedule_routes.ts";
 * scheduleRoutes(new OpenAPIHono(), server.schedules);
 * ```
 */
export function scheduleRoutes(app: OpenAPIHono, schedules: Schedules): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/schedules",
      summary: "Create a schedule, or replace the one with the same id",
      request: { body: { ...json(ScheduleSpecSchema, "The schedule"), required: true } },
      responses: {
        200: json(ScheduleSchema, "Replaced (its paused state and runs kept)"),
        201: json(ScheduleSchema, "Created"),
        400: error(
          "A field of the wrong type or range, an invalid cron expression (invalid_cron) or time " +
            "zone (invalid_timezone), ticks closer than the minimum interval " +
            "(interval_too_short), or a job timeout over the limit",
        ),
        404: error("Unknown task"),
        429: error("As many schedules as maxSchedules already: schedules_full"),
        ...COMMON,
      },
    }),
    async (c) => {
      const spec = c.req.valid("json") as ScheduleSpec;
      let made: "created" | "replaced";
      try {
        made = await schedules.put(spec);
      } catch (e) {
        if (e instanceof ScheduleSpecError) throw new ApiError(400, e.code, e.message);
        if (e instanceof SchedulesFullError) throw new ApiError(429, "schedules_full", e.message);
        throw e;
      }
      const view = found(await schedules.get(spec.id), spec.id);
      return c.json(view, made === "created" ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/schedules",
      summary: "List the schedules with their next ticks and last runs",
      responses: { 200: json(ScheduleListSchema, "Every schedule, in creation order"), ...COMMON },
    }),
    async (c) => c.json({ schedules: await schedules.list() }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/schedules/{id}",
      summary: "Read a schedule",
      request: { params: ScheduleIdParamSchema },
      responses: {
        200: json(ScheduleSchema, "The schedule"),
        404: error("No such schedule"),
        ...COMMON,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(found(await schedules.get(id), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/schedules/{id}",
      summary: "Pause or resume a schedule",
      request: {
        params: ScheduleIdParamSchema,
        body: { ...json(SchedulePatchSchema, "The change"), required: true },
      },
      responses: {
        200: json(ScheduleSchema, "The schedule after the change"),
        400: error("A field of the wrong type"),
        404: error("No such schedule"),
        ...COMMON,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { paused } = c.req.valid("json");
      const changed = paused ? await schedules.pause(id) : await schedules.resume(id);
      if (!changed) found(undefined, id);
      return c.json(found(await schedules.get(id), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/schedules/{id}",
      summary: "Delete a schedule (the jobs it made stay)",
      request: { params: ScheduleIdParamSchema },
      responses: {
        200: json(ScheduleSchema, "The schedule as it was"),
        404: error("No such schedule"),
        ...COMMON,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const view = found(await schedules.get(id), id);
      if (!(await schedules.remove(id))) found(undefined, id);
      return c.json(view, 200);
    },
  );
}
