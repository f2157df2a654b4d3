/**
 * The shapes every HTTP server adapter shares: the handler it serves and the server it returns.
 * A file of their own so that `serve.ts` and the Node glue (`node_http.ts`) both use them without
 * importing each other.
 *
 * @module
 */

/** Who sent a request, as the runtime saw the connection. */
export interface ClientInfo {
  /** The peer's IP address, when the runtime tells it. */
  remoteAddress?: string;
}

/** A web-standard request handler, such as a Hono app's `fetch`, told who sent the request. */
export type FetchHandler = (
  request: Request,
  info?: ClientInfo,
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
