/**
 * Serving HTTP and hearing shutdown signals: the runtime-specific half of `workloom serve`.
 * Deno serves with `Deno.serve`, Bun with `Bun.serve`; both hand us a web-standard `Request`, so
 * the server itself (a Hono app) never knows which one runs it.
 *
 * @module
 */
import process from "node:process";

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

// The slices of the Deno and Bun namespaces used here, so that `tsc` checks this file without
// either runtime's whole type library.
interface DenoServe {
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: (
      request: Request,
      info: { remoteAddr: { hostname?: string } },
    ) => Response | Promise<Response>,
  ): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  cwd(): string;
  exit(code: number): never;
}
interface BunServe {
  serve(options: {
    port: number;
    hostname: string;
    fetch: (
      request: Request,
      server: { requestIP(request: Request): { address: string } | null },
    ) => Response | Promise<Response>;
  }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void> | void;
  };
}

const g = globalThis as unknown as { Deno?: DenoServe; Bun?: BunServe };

/**
 * Starts an HTTP server for `fetch` on `hostname:port` (port 0 picks a free one).
 *
 * @example
 * ```ts ignore
 * import { serveHttp } from "./serve.ts";
 * const server = serveHttp(() => new Response("hi"), { port: 0, hostname: "127.0.0.1" });
 * console.log(server.port);
 * await server.close();
 * ```
 */
export function serveHttp(
  fetch: FetchHandler,
  options: { port: number; hostname: string },
): HttpServer {
  const { port, hostname } = options;
  if (g.Deno) {
    // onListen replaces Deno's own "Listening on" line: the command prints its own.
    const server = g.Deno.serve(
      { port, hostname, onListen: () => {} },
      (request, info) => fetch(request, { remoteAddress: info.remoteAddr.hostname }),
    );
    return {
      port: server.addr.port,
      hostname,
      close: () => server.shutdown(),
    };
  }
  if (g.Bun) {
    // Bun passes its server as a second argument: hand on only the client's address.
    const server = g.Bun.serve({
      port,
      hostname,
      fetch: (request, s) => fetch(request, { remoteAddress: s.requestIP(request)?.address }),
    });
    return {
      port: server.port,
      hostname,
      // Not stop(true): that cuts in-flight answers, such as the last event of a stream that
      // the drain just ended. A graceful stop waits for them and closes idle connections.
      close: async () => {
        await server.stop();
      },
    };
  }
  throw new Error("workloom can serve HTTP on Deno and Bun only");
}

/**
 * Calls `handler` with the signal's name on SIGINT and SIGTERM; returns a function that stops
 * listening (a listener left behind would keep the process alive on Deno).
 *
 * @example
 * ```ts ignore
 * import { onShutdownSignal } from "./serve.ts";
 * const stop = onShutdownSignal((signal) => console.log(`got ${signal}`));
 * stop();
 * ```
 */
export function onShutdownSignal(handler: (signal: string) => void): () => void {
  const signals = ["SIGINT", "SIGTERM"] as const;
  const listeners = signals.map((s) => [s, () => handler(s)] as const);
  for (const [s, l] of listeners) {
    if (g.Deno) g.Deno.addSignalListener(s, l);
    else process.on(s, l);
  }
  return () => {
    for (const [s, l] of listeners) {
      if (g.Deno) g.Deno.removeSignalListener(s, l);
      else process.off(s, l);
    }
  };
}

/**
 * The process's working directory, as a `file:` URL ending in `/` (to resolve paths the user
 * typed against).
 *
 * @example
 * ```ts ignore
 * import { workingDirectoryUrl } from "./serve.ts";
 * console.log(new URL("tasks.ts", workingDirectoryUrl()).href);
 * ```
 */
export function workingDirectoryUrl(): URL {
  const dir = g.Deno ? g.Deno.cwd() : process.cwd();
  const url = new URL(`file://${dir.split("/").map(encodeURIComponent).join("/")}`);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/**
 * Ends the process now with `code` (the second shutdown signal: the user wants out).
 *
 * @example
 * ```ts ignore
 * import { exitNow } from "./serve.ts";
 * exitNow(130);
 * ```
 */
export function exitNow(code: number): never {
  if (g.Deno) g.Deno.exit(code);
  process.exit(code);
}
