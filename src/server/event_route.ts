/**
 * `GET /jobs/{id}/events`: a job's status and progress as Server-Sent Events, until it is final.
 * Each event's id is the job's revision, so a client that reconnects with `Last-Event-ID` gets
 * only what it has not seen; a comment every `keepAliveMs` keeps proxies (and Bun's idle
 * timeout) from closing a quiet stream, and a client that goes away is noticed and let go.
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { isFinal } from "../jobs/job.ts";
import type { JobChange } from "../jobs/job_store.ts";
import { ApiError } from "./api_error.ts";
import { ErrorSchema, IdParamSchema } from "./schemas.ts";
import type { ServerContext } from "./server_context.ts";

const error = (description: string) => ({
  content: { "application/json": { schema: ErrorSchema } },
  description,
});

/**
 * Registers the event stream route on `app`.
 *
 * @example
 * ```ts ignore
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { eventRoute } from "./event_route.ts";
 * eventRoute(new OpenAPIHono(), context);
 * ```
 */
export function eventRoute(app: OpenAPIHono, ctx: ServerContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}/events",
      summary: "Stream a job's status and progress as Server-Sent Events until it is final",
      request: {
        params: IdParamSchema,
        headers: z.object({
          "last-event-id": z.string().max(20).optional().openapi({
            param: { in: "header" },
          }),
        }),
      },
      responses: {
        200: {
          content: { "text/event-stream": { schema: z.string() } },
          description: "Events `status` and `progress`, data the job as JSON, id its revision",
        },
        401: error("Missing or wrong bearer token"),
        404: error("No such job"),
        410: error("The job expired"),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const first = await ctx.store.lookup(id);
      if (first.state === "expired") throw new ApiError(410, "job_expired", `Job '${id}' expired`);
      if (first.state === "missing") {
        throw new ApiError(404, "job_not_found", `No job has the id '${id}'`);
      }
      const seen = Number(c.req.valid("header")["last-event-id"]);
      let lastId = Number.isSafeInteger(seen) ? seen : 0;
      return streamSSE(c, async (stream) => {
        ctx.streams.open++;
        const pending: JobChange[] = [];
        let wake: (() => void) | undefined;
        let gone = false;
        const onGone = (): void => {
          gone = true;
          wake?.();
        };
        // Watch before reading the state now, so that no change falls between the two.
        const stop = ctx.store.watch(id, (change) => {
          pending.push(change);
          wake?.();
        });
        // The runtime cancels the response body when the client goes away.
        stream.onAbort(onGone);
        try {
          const now = await ctx.store.lookup(id);
          if (now.state !== "found") return;
          pending.unshift({ job: now.job, rev: now.rev, kind: "status" });
          let final = false;
          while (!gone && !final) {
            for (let change = pending.shift(); change; change = pending.shift()) {
              final = isFinal(change.job.status);
              if (change.rev <= lastId) continue;
              await stream.writeSSE({
                event: change.kind,
                id: String(change.rev),
                data: JSON.stringify(change.job),
              });
              lastId = change.rev;
            }
            if (final || gone) break;
            const quiet = await new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => resolve(true), ctx.keepAliveMs);
              wake = () => {
                clearTimeout(timer);
                resolve(false);
              };
            });
            wake = undefined;
            if (quiet && !gone) await stream.write(": keep-alive\n\n");
          }
        } finally {
          stop();
          ctx.streams.open--;
        }
      }, async () => {
        // A write to a client that went away fails: that is how a disconnect often shows.
      });
    },
  );
}
