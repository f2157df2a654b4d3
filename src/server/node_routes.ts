/**
 * `GET /nodes`: the nodes behind this endpoint. One node (this process) with the in-memory
 * store; with a shared queue, every node that reported itself, from any of them.
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { runtime } from "../adapter/runtime.ts";
import type { ServerContext } from "./server_context.ts";

const NodesSchema = z.object({
  nodes: z.array(z.record(z.string(), z.unknown())),
}).openapi("Nodes");

/**
 * Registers `GET /nodes` on `app`.
 *
 * @example
 * ```ts ignore
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { nodeRoutes } from "./node_routes.ts";
 * nodeRoutes(new OpenAPIHono(), context);
 * ```
 */
export function nodeRoutes(app: OpenAPIHono, ctx: ServerContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/nodes",
      summary: "The nodes sharing this server's job queue (id, runtime, workers, jobs in flight)",
      responses: {
        200: { content: { "application/json": { schema: NodesSchema } }, description: "Nodes" },
      },
    }),
    async (c) => {
      if (ctx.runner.nodes) return c.json({ nodes: await ctx.runner.nodes() }, 200);
      const m = ctx.metrics().pool;
      const here = {
        id: "local",
        runtime: runtime.key,
        workers: m.workers,
        inFlight: ctx.runner.counts().running,
        lastHeartbeat: new Date().toISOString(),
      };
      return c.json({ nodes: [here] }, 200);
    },
  );
}
