/**
 * The routes about the server rather than a job: the health probes (open, no token) and the
 * task list.
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ErrorSchema, TasksSchema } from "./schemas.ts";
import type { ServerContext } from "./server_context.ts";

const StatusSchema = z.object({ status: z.string() }).openapi("Status");
const json = <T>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

/**
 * Registers `GET /healthz` (the process answers) and `GET /readyz` (it takes jobs: 503 while
 * draining, and while a shared queue such as Redis is out of reach, naming it). Register them
 * before the auth middleware: probes carry no token.
 *
 * @example
 * ```ts ignore
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { probeRoutes } from "./info_routes.ts";
 * probeRoutes(new OpenAPIHono(), context);
 * ```
 */
export function probeRoutes(app: OpenAPIHono, ctx: ServerContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "Liveness: the server answers",
      responses: { 200: json(StatusSchema, "Alive") },
    }),
    (c) => c.json({ status: "ok" }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      summary: "Readiness: the server takes jobs",
      responses: {
        200: json(StatusSchema, "Taking jobs"),
        503: json(ErrorSchema, "Draining, or the job queue is out of reach"),
      },
    }),
    (c) => {
      if (!ctx.runner.accepting) {
        return c.json(
          { error: { code: "draining", message: "The server is shutting down" } },
          503,
          { "Retry-After": "5" },
        );
      }
      // Read from the queue's own health (its last command), not a probe per request: a
      // stalled Redis would make each probe wait out the deadline.
      const down = ctx.runner.unavailable?.();
      if (down !== undefined) {
        return c.json(
          {
            error: { code: "queue_unavailable", message: `The job queue is out of reach: ${down}` },
          },
          503,
          { "Retry-After": "2" },
        );
      }
      return c.json({ status: "ready" }, 200);
    },
  );
}

/**
 * Registers `GET /tasks`: the task module's functions with the lane each last ran in and what
 * the pool measured (`null` before a task ran).
 *
 * @example
 * ```ts ignore
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { taskRoutes } from "./info_routes.ts";
 * taskRoutes(new OpenAPIHono(), context);
 * ```
 */
export function taskRoutes(app: OpenAPIHono, ctx: ServerContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/tasks",
      summary: "The tasks this server runs, with their lane and measured stats",
      responses: {
        200: json(TasksSchema, "The tasks"),
        401: json(ErrorSchema, "Missing or wrong bearer token"),
      },
    }),
    (c) => {
      const measured = new Map(ctx.metrics().tasks.map((t) => [t.name, t]));
      const tasks = ctx.taskNames.map((name) => {
        const t = measured.get(name);
        return {
          name,
          lane: t?.lane ?? null,
          stats: t && t.count > 0
            ? {
              count: t.count,
              ok: t.ok,
              failed: t.failed,
              meanRunMs: t.run.mean,
              p90RunMs: t.run.p90,
              waitComputeRatio: t.waitComputeRatio,
            }
            : null,
        };
      });
      return c.json({ tasks }, 200);
    },
  );
}
