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
    async (c) => c.json({ nodes: await listNodes(ctx) }, 200),
  );
}

/**
 * The nodes sharing this server's job queue: every node that reported itself to a shared queue
 * (Redis), or this process alone with the in-memory store.
 *
 * @example
 * ```ts ignore
 * for (const node of await listNodes(ctx)) console.log(node.id, node.workers, node.inFlight);
 * ```
 */
export async function listNodes(ctx: ServerContext): Promise<Record<string, unknown>[]> {
  if (ctx.runner.nodes) return await ctx.runner.nodes();
  const m = ctx.metrics().pool;
  return [{
    id: "local",
    runtime: runtime.key,
    workers: m.workers,
    inFlight: ctx.runner.counts().running,
    lastHeartbeat: new Date().toISOString(),
  }];
}
