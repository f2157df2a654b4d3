/**
 * `GET /jobs/{id}/events`: a job's status and progress as Server-Sent Events, until it is final,
 * and a streamed job's chunks as `chunk` events, in order. Each event's id is the job's revision
 * (a chunk takes one too), so a client that reconnects with `Last-Event-ID` gets only what it has
 * not seen: the chunks after it from the job's replay window first, with a `gap` event (no id)
 * when some of them are no longer kept; a comment every `keepAliveMs` keeps proxies (and Bun's idle
 * timeout) from closing a quiet stream, and a client that goes away is noticed and let go.
 *
 * Bounded whatever the client does: events are made only as the client reads (progress
 * coalesced to the latest value), a client more than `maxStreamLag` changes behind gets a
 * `lagging` event and is closed (it resumes with `Last-Event-ID`), one that stops reading is cut
 * after `streamStallMs`, and streams are capped in all and per client (429).
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { isFinal } from "../jobs/job.ts";
import type { ChunkEntry, ChunkReplay } from "../jobs/job_chunks.ts";
import { ApiError } from "./api_error.ts";
import { ChangeFeed } from "./change_feed.ts";
import { clientAddress } from "./client_address.ts";
import { ErrorSchema, IdParamSchema } from "./schemas.ts";
import type { ServerContext } from "./server_context.ts";
import { sseBody, sseFrame, type SseSource } from "./sse_body.ts";

/** The headers of every event stream the server sends. */
export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  "connection": "keep-alive",
};

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
          description: "Events `status` and `progress`, data the job as JSON, id its revision; " +
            "`chunk` (a streamed job's chunk as JSON, id its revision); `gap` (no id) when chunks " +
            "after Last-Event-ID are no longer kept; " +
            "`lagging` (no id) when the client fell too far behind and should reconnect",
        },
        429: error("Too many event streams open, in all or for this client"),
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
      const release = ctx.streams.acquire(clientAddress(c));
      const feed = new ChangeFeed(ctx.streamLimits.maxLag);
      // Watch before reading the state now, so that no change falls between the two.
      const stop = ctx.store.watch(id, (change) => feed.push(change));
      let done = false;
      // A resuming client's chunks from the replay window, before anything newer.
      let replay: ChunkEntry[] = [];
      let gap: ChunkReplay["gap"];
      const source: SseSource = {
        async next() {
          if (gap) {
            const { after, until, dropped } = gap;
            gap = undefined;
            const message = `Chunks with ids after ${after} up to ${until} are no longer kept`;
            return sseFrame({
              event: "gap",
              data: JSON.stringify({ after, until, dropped, message }),
            });
          }
          while (replay.length > 0) {
            const chunk = replay.shift()!;
            if (chunk.id <= lastId) continue;
            lastId = chunk.id;
            return sseFrame({ event: "chunk", id: String(chunk.id), data: chunk.data });
          }
          while (!done) {
            if (feed.lagging) {
              done = true;
              // The client fell too far behind: it resumes from what it has seen, without loss.
              return sseFrame({
                event: "lagging",
                data: JSON.stringify({
                  lastEventId: String(lastId),
                  message: "Too far behind: reconnect with Last-Event-ID to resume",
                }),
              });
            }
            const change = feed.shift();
            if (change) {
              done = isFinal(change.job.status);
              if (change.rev <= lastId) continue;
              lastId = change.rev;
              return sseFrame({
                event: change.kind,
                id: String(change.rev),
                data: change.kind === "chunk" ? change.chunk! : JSON.stringify(change.job),
              });
            }
            if (await feed.wait(ctx.keepAliveMs)) return ": keep-alive\n\n";
          }
          return undefined;
        },
        end() {
          done = true;
          stop();
          release();
        },
      };
      try {
        const now = await ctx.store.lookup(id);
        if (now.state !== "found") done = true;
        else {
          feed.unshift({ job: now.job, rev: now.rev, kind: "status" });
          const kept = await ctx.store.chunksSince?.(id, lastId);
          if (kept) [replay, gap] = [kept.chunks, kept.gap];
        }
      } catch (e) {
        source.end();
        throw e;
      }
      return c.body(sseBody(source, { stallMs: ctx.streamLimits.stallMs }), 200, SSE_HEADERS);
    },
  );
}
