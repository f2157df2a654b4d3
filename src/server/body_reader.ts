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
    const declared = Number(c.req.header("content-length"));
    if (declared > limits.maxBody) throw tooLarge(limits.maxBody);
    const body = c.req.raw.body;
    if (body) {
      const bytes = readWithin(body, limits);
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

async function readWithin(
  body: ReadableStream<Uint8Array>,
  limits: BodyLimits,
): Promise<ArrayBuffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cancel = () => {};
  // On the deadlines' shared timer: a body that arrives in time (nearly all) sets no timer.
  const late = new Promise<never>((_, reject) => {
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
