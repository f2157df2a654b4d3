/**
 * Serving a web-standard `fetch` handler with `node:http`, for Node, which has no `Deno.serve` or
 * `Bun.serve`. It is the glue Hono's Node adapter would be, kept here so that serving on Node
 * needs no package beyond the server's own peers: the request body is streamed into the
 * `Request` (never buffered), the response body is streamed out with back-pressure and each
 * chunk flushed (server-sent events arrive as they are written), a client that goes away aborts
 * the request's signal and cancels the response body (so an event stream's end runs and its
 * per-client slot is released), and closing stops listening, ends idle keep-alive connections and
 * waits for the answers in flight, as Bun's graceful stop does.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FetchHandler, HttpServer } from "./http_types.ts";

/**
 * Starts a `node:http` server for `fetch` on `hostname:port` (port 0 picks a free one); resolves
 * once it listens, rejects when it cannot (a port in use: `EADDRINUSE`).
 *
 * @example
 * ```ts ignore
 * import { listenNodeHttp } from "./node_http.ts";
 * const server = await listenNodeHttp(() => new Response("hi"), { port: 0, hostname: "127.0.0.1" });
 * console.log(server.port);
 * await server.close();
 * ```
 */
export function listenNodeHttp(
  fetch: FetchHandler,
  options: { port: number; hostname: string },
): Promise<HttpServer> {
  const { port, hostname } = options;
  let closing = false;
  const server = createServer((req, res) => {
    // After close, an answer finished on a kept-alive connection leaves it idle: end it, or the
    // close would wait for the client to hang up.
    if (closing) res.shouldKeepAlive = false;
    void answer(fetch, req, res, hostname);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        hostname,
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            // close() waits for every connection to end; idle ones would wait for their
            // keep-alive timeout, so they go now (answers in flight are not cut).
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** The request as a web `Request`: its URL from the Host header, its body a stream. */
function toRequest(req: IncomingMessage, hostname: string, signal: AbortSignal): Request {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? hostname}`);
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    signal,
    ...(hasBody ? { body: bodyStream(req), duplex: "half" } : {}),
  } as RequestInit);
}

/** How long the rest of a body the app gave up on may take to arrive, discarded, before the cut. */
const DISCARD_MS = 10_000;

/**
 * The request body as a web stream, read as the app pulls. When the app stops reading early (a
 * body over its limit answered 413 at once), the rest is read and discarded rather than the socket
 * destroyed, as `Readable.toWeb` would: a client still sending would otherwise get a reset instead
 * of the answer. The connection then closes after the answer; a client that keeps sending past
 * `DISCARD_MS` is cut.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let ended = false;
  let cancelled = false;
  req.once("end", () => ended = true);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        if (cancelled) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => {
        if (!cancelled) controller.close();
      });
      req.once("error", (e) => {
        if (!cancelled) controller.error(e);
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      cancelled = true;
      if (!ended) discardRest(req);
    },
  }, { highWaterMark: 64 * 1024, size: (chunk) => chunk?.byteLength ?? 0 });
}

/**
 * Reads what is left of `req`'s body and drops it, so that the answer reaches a client still
 * sending (closing a socket with unread bytes resets it, and the client sees ECONNRESET instead of
 * the 413). A client still sending after `DISCARD_MS` is cut.
 */
function discardRest(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  req.removeAllListeners("data");
  const cut = setTimeout(() => req.destroy(), DISCARD_MS);
  (cut as { unref?: () => void }).unref?.();
  const clear = (): void => clearTimeout(cut);
  req.once("end", clear);
  req.once("close", clear);
  req.resume();
}

async function answer(
  fetch: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  hostname: string,
): Promise<void> {
  const aborter = new AbortController();
  // 'close' comes after a finished answer too; only one cut short means the client left.
  res.once("close", () => {
    if (!res.writableFinished) aborter.abort(new Error("the client closed the connection"));
  });
  let request: Request;
  try {
    request = toRequest(req, hostname, aborter.signal);
  } catch {
    // A Host header or a header value that is not valid: no app would know what was asked.
    res.writeHead(400, { "content-type": "text/plain" }).end("Bad Request");
    return;
  }
  let response: Response;
  try {
    response = await fetch(request, { remoteAddress: req.socket.remoteAddress });
  } catch {
    // The app answers its own errors; reaching here is a defect, and the client still gets an
    // answer rather than a hung connection.
    response = new Response("Internal Server Error", { status: 500 });
  }
  await send(response, req, res);
}

/** Writes `response` to `res`, streaming its body; a client that leaves cancels the body. */
async function send(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  if (res.destroyed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  res.writeHead(response.status, headers);
  if (response.body === null || req.method === "HEAD") {
    await response.body?.cancel().catch(() => {});
    discardRest(req);
    res.end();
    return;
  }
  // Headers now, not with the first chunk: an event stream's client learns it is connected.
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = (): void => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  };
  res.once("close", cancel);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await drained(res);
    }
    // The answer is whole: what the app left unread of the body is not wanted.
    discardRest(req);
    res.end();
  } catch {
    // The body failed midway: the status is sent, so the only honest signal is a cut connection.
    res.destroy();
  } finally {
    res.off("close", cancel);
  }
}

/** Resolves when `res` can take more bytes, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}
