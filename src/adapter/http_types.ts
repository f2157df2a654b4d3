/**
 * The shapes every HTTP server adapter shares: the handler it serves and the server it returns.
 * A file of their own so that `serve.ts` and the Node glue (`node_http.ts`) both use them without
 * importing each other.
 *
 * @module
 */

/**
 * A web-standard request handler, such as a Hono app's `fetch`; the second argument carries the
 * client's address (the app sees it as its `env`).
 */
export type FetchHandler = (
  request: Request,
  info: { remoteAddress?: string },
) => Response | Promise<Response>;

/** A listening HTTP server. */
export interface HttpServer {
  /** The port it listens on (the one chosen when asked for port 0). */
  readonly port: number;
  /** The address it is bound to. */
  readonly hostname: string;
  /** Stops listening and closes its connections. */
  close(): Promise<void>;
}
