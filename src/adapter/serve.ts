/**
 * Serving HTTP and hearing shutdown signals: the runtime-specific half of `workloom serve`.
 * Deno serves with `Deno.serve`, Bun with `Bun.serve`, Node with `node:http` (`node_http.ts`); each
 * hands us a web-standard `Request`, so the server itself (a Hono app) never knows which one runs it.
 *
 * @module
 */
import process from "node:process";
import { unrefTimer } from "./child_process.ts";
import type { FetchHandler, HttpServer } from "./http_types.ts";
// In a file of their own: node_http.ts, which this file loads, uses them too.
export type { ClientInfo, FetchHandler, HttpServer } from "./http_types.ts";

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
  permissions: { querySync(d: { name: string }): { state: string } };
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
  throw new Error("serveHttp serves on Deno and Bun; on Node, use listenHttp (it awaits the port)");
}

/**
 * Starts an HTTP server for `fetch` on `hostname:port` (port 0 picks a free one) on Deno, Bun or
 * Node, resolving once it listens. Node's `listen` is asynchronous, hence a promise; a port in use
 * rejects (Deno and Bun throw at once).
 *
 * @example
 * ```ts ignore
 * import { listenHttp } from "./serve.ts";
 * const server = await listenHttp(() => new Response("hi"), { port: 0, hostname: "127.0.0.1" });
 * console.log(server.port);
 * await server.close();
 * ```
 */
export async function listenHttp(
  fetch: FetchHandler,
  options: { port: number; hostname: string },
): Promise<HttpServer> {
  if (g.Deno || g.Bun) return serveHttp(fetch, options);
  // Loaded only on Node: Deno and Bun never need the node:http glue.
  return (await import("./node_http.ts")).listenNodeHttp(fetch, options);
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

/** A pending forced exit: cancel it when the process is about to end by itself. */
export interface ExitTimer {
  cancel(): void;
}

/**
 * Ends the process with `code` after `ms`, unless cancelled, calling `before` first. The timer is
 * unref'd: it never keeps the process alive by itself, so a process that ends cleanly earlier
 * ends at once; but anything else still holding it (a Web Worker spinning in a loop, which Deno
 * cannot stop; a connection that never closes) cannot hold it past the deadline. On Deno the exit
 * is `Deno.exit`, the one thing that ends a spinning worker thread.
 *
 * @example
 * ```ts ignore
 * import { exitAfter } from "./serve.ts";
 * const timer = exitAfter(12_000, 1, () => console.error("did not stop in time"));
 * timer.cancel();
 * ```
 */
export function exitAfter(ms: number, code: number, before: () => void = () => {}): ExitTimer {
  const timer = setTimeout(() => {
    before();
    exitNow(code);
  }, ms);
  unrefTimer(timer);
  return { cancel: () => clearTimeout(timer) };
}

const DENO_PERMISSIONS = ["read", "write", "net", "env", "run", "sys", "ffi", "import"] as const;

/**
 * The Deno permission flags this process was granted in full (`["--allow-read", …]`), so that
 * child processes running tasks get what Web Workers would have inherited; `undefined` off
 * Deno (no permissions there). Partly granted permissions are left out: a child asks nothing
 * it was not given.
 *
 * @example
 * ```ts ignore
 * import { grantedDenoPermissions } from "./serve.ts";
 * console.log(grantedDenoPermissions()); // ["--allow-read", …] under deno run -A
 * ```
 */
export function grantedDenoPermissions(): string[] | undefined {
  if (!g.Deno) return undefined;
  const flags: string[] = [];
  for (const name of DENO_PERMISSIONS) {
    try {
      if (g.Deno.permissions.querySync({ name }).state === "granted") flags.push(`--allow-${name}`);
    } catch {
      // A permission this Deno does not know: not granted.
    }
  }
  return flags;
}
