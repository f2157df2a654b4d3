/**
 * Reads a request's body under two limits, bytes and time, before any route sees it: a body over
 * `maxBytes` answers 413 as soon as it passes the limit (or at once, from `Content-Length`), and a
 * body that has not fully arrived within `timeoutMs` answers 408, so a client sending one byte a
 * second holds nothing for long. The bytes read are left in Hono's body cache for the validators.
 *
 * @module
 */
import { atDeadline } from "../jobs/wait_deadlines.ts";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api_error.ts";

/** The limits of {@linkcode readBody}. */
export interface BodyLimits {
  /** Largest body, in bytes. */
  maxBody: number;
  /** How long the whole body may take to arrive, in ms. */
  bodyTimeoutMs: number;
}

/**
 * Middleware that reads the whole body within `limits`, or throws 413 `body_too_large` or 408
 * `body_timeout`.
 *
 * @example
 * ```ts ignore
 * import { readBody } from "./body_reader.ts";
 * app.post("/jobs", readBody({ maxBody: 1 << 20, bodyTimeoutMs: 10_000 }), handler);
 * ```
 */
export function readBody(limits: BodyLimits): MiddlewareHandler {
  return async (c, next) => {
    const length = c.req.header("content-length");
    const declared = Number(length);
    if (declared > limits.maxBody) throw tooLarge(limits.maxBody);
    // A body of a declared length within the limit is read whole, by the runtime (no stream of
    // chunks built in JavaScript: on Bun that stream cost more than the rest of the read); only
    // a chunked body, of no declared length, is read chunk by chunk against the byte limit.
    const whole = length !== undefined && Number.isSafeInteger(declared) && declared >= 0;
    const body = whole ? undefined : c.req.raw.body;
    if (whole || body) {
      const bytes = whole ? readDeclared(c.req.raw, limits) : readWithin(body!, limits);
      // Hono keeps the promise of each body form it read (its type says the value): json() and
      // text() are derived from this one.
      (c.req.bodyCache as Record<string, unknown>).arrayBuffer = bytes;
      await bytes;
    }
    await next();
  };
}

function tooLarge(maxBody: number): ApiError {
  return new ApiError(413, "body_too_large", `The body is over ${maxBody} bytes`);
}

/**
 * The body's deadline, on the deadlines' shared timer (a body that arrives in time, nearly all,
 * sets no timer): `timedOut` rejects with 408 at `bodyTimeoutMs` unless `cancel()` comes first.
 */
function bodyDeadline(limits: BodyLimits): { timedOut: Promise<never>; cancel: () => void } {
  let cancel = () => {};
  const timedOut = new Promise<never>((_, reject) => {
    cancel = atDeadline(() => {
      reject(
        new ApiError(
          408,
          "body_timeout",
          `The body did not arrive within ${limits.bodyTimeoutMs} ms`,
          { connection: "close" },
        ),
      );
    }, limits.bodyTimeoutMs);
  });
  return { timedOut, cancel };
}

/**
 * Reads a body whose length the request declared (the runtime holds it to that length), within
 * the deadline.
 */
async function readDeclared(request: Request, limits: BodyLimits): Promise<ArrayBuffer> {
  const read = request.arrayBuffer();
  const { timedOut, cancel } = bodyDeadline(limits);
  try {
    const bytes = await Promise.race([read, timedOut]);
    if (bytes.byteLength > limits.maxBody) throw tooLarge(limits.maxBody);
    return bytes;
  } catch (e) {
    // The answer goes out now, on a connection it closes: the read left behind ends with it.
    read.catch(() => {});
    throw e;
  } finally {
    cancel();
  }
}

async function readWithin(
  body: ReadableStream<Uint8Array>,
  limits: BodyLimits,
): Promise<ArrayBuffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const { timedOut: late, cancel } = bodyDeadline(limits);
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), late]);
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBody) throw tooLarge(limits.maxBody);
      chunks.push(value);
    }
  } catch (e) {
    // Stop reading what the client still sends: the answer goes out now.
    reader.cancel().catch(() => {});
    throw e;
  } finally {
    cancel();
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}
