/**
 * The dashboard: `GET /` serves one self-contained page (inline CSS and script, no request
 * anywhere else), and `GET /dashboard/events` streams a snapshot to it every second as
 * Server-Sent Events. The page holds no data, so it is served without the token; the stream
 * needs it. A browser's EventSource cannot send an `Authorization` header, so the page reads the
 * stream with `fetch` instead, and the token never appears in a URL or a log.
 *
 * @module
 */
import type { ScheduleView } from "../schedules/schedules.ts";
import { listNodes } from "./node_routes.ts";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { DASHBOARD_HTML } from "./dashboard/page.ts";
import { dashboardSnapshot } from "./dashboard_snapshot.ts";
import type { ServerMetrics } from "./server_metrics.ts";
import type { ServerContext } from "./server_context.ts";
import { clientAddress } from "./client_address.ts";
import { SSE_HEADERS } from "./event_route.ts";
import { sseBody, sseFrame, type SseSource } from "./sse_body.ts";

// The page may talk to its own origin and nothing else: the browser enforces "no CDN".
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
  "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Registers `GET /`, the dashboard page. Register it before the auth middleware.
 *
 * @example
 * ```ts ignore
 * import { dashboardPageRoute } from "./dashboard_route.ts";
 * dashboardPageRoute(app);
 * ```
 */
export function dashboardPageRoute(app: OpenAPIHono): void {
  app.get("/", (c) =>
    c.html(DASHBOARD_HTML, 200, {
      "content-security-policy": CSP,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    }));
}

/** Options of {@linkcode dashboardEventsRoute}. */
export interface DashboardEventsOptions {
  /** Interval between snapshots, in ms. @default {1000} */
  intervalMs?: number;
  /** Aborted when the server closes: open streams end then. */
  closed: AbortSignal;
  /** SLA targets configured, for the page's "no targets" line. */
  slaTargets: number;
}

/**
 * Registers `GET /dashboard/events`: a `snapshot` event at once, then one every `intervalMs`
 * while the client stays. The timer lives inside each stream: nobody watching, no timer. Like
 * job streams, it counts against the stream caps and a client that stops reading is cut off.
 *
 * @example
 * ```ts ignore
 * import { dashboardEventsRoute } from "./dashboard_route.ts";
 * dashboardEventsRoute(app, context, serverMetrics, { closed: signal, slaTargets: 0 });
 * ```
 */
export function dashboardEventsRoute(
  app: OpenAPIHono,
  ctx: ServerContext,
  metrics: ServerMetrics,
  options: DashboardEventsOptions,
): void {
  const intervalMs = options.intervalMs ?? 1000;
  app.get("/dashboard/events", (c) => {
    const release = ctx.streams.acquire(clientAddress(c));
    let first = true;
    const source: SseSource = {
      async next() {
        if (!first) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              clearTimeout(timer);
              options.closed.removeEventListener("abort", done);
              resolve();
            };
            const timer = setTimeout(done, intervalMs);
            options.closed.addEventListener("abort", done);
          });
        }
        first = false;
        if (options.closed.aborted) return undefined;
        // With the queue out of reach, the picture says so instead of waiting on it.
        let problem = ctx.runner.unavailable?.();
        let nodes: Record<string, unknown>[] = [];
        let schedules: ScheduleView[] = [];
        if (problem === undefined) {
          nodes = await listNodes(ctx).catch((e: Error) => {
            problem = e.message;
            return [];
          });
        }
        if (problem === undefined && ctx.listSchedules) {
          schedules = await ctx.listSchedules().catch((e: Error) => {
            problem = e.message;
            return [];
          });
        }
        const snapshot = await dashboardSnapshot(
          metrics.read(),
          ctx.store,
          options.slaTargets,
          nodes,
          problem,
          schedules,
        );
        return sseFrame({ event: "snapshot", data: JSON.stringify(snapshot) });
      },
      end: release,
    };
    return c.body(sseBody(source, { stallMs: ctx.streamLimits.stallMs }), 200, SSE_HEADERS);
  });
}
