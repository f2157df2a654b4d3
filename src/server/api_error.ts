/**
 * Errors as the job server answers them: always JSON `{ "error": { "code", "message" } }` with
 * the right status, and never a stack trace.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";

/**
 * An error answer a route throws: status, a stable `code` for programs and a message for people.
 *
 * @example
 * ```ts
 * import { ApiError } from "./api_error.ts";
 * const e = new ApiError(404, "job_not_found", "No job has the id 'x'");
 * console.log(e.status, e.code); // 404 "job_not_found"; a route throws it
 * ```
 */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: ContentfulStatusCode;
  readonly code: string;
  /** Extra headers, such as `Retry-After`. */
  readonly headers: Record<string, string>;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const CODES: Record<number, string> = {
  400: "malformed_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "body_too_large",
  415: "unsupported_media_type",
};

/**
 * Turns anything a handler threw into the error answer. A job queue out of reach answers 503
 * `queue_unavailable` with `Retry-After`. Unknown errors (bugs) answer 500 with a fixed
 * message; their details go to `log`, never to the client.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { errorResponse } from "./api_error.ts";
 * const app = new Hono();
 * app.onError((e, c) => errorResponse(c, e, console.error));
 * ```
 */
export function errorResponse(c: Context, e: unknown, log: (e: unknown) => void): Response {
  if (e instanceof ApiError) {
    return c.json({ error: { code: e.code, message: e.message } }, e.status, e.headers);
  }
  // A shared queue out of reach: any route that needed it says so, never 500.
  if (e instanceof QueueUnavailableError) {
    return c.json({ error: { code: "queue_unavailable", message: e.message } }, 503, {
      "Retry-After": String(e.retryAfterSeconds),
    });
  }
  if (e instanceof HTTPException && e.status < 500) {
    const status = e.status as ContentfulStatusCode;
    // Hono's JSON validator throws this for a body that does not parse.
    const message = e.message || "The request was not understood";
    const code = /malformed json/i.test(message)
      ? "malformed_json"
      : CODES[status] ?? "bad_request";
    return c.json({ error: { code, message } }, status);
  }
  log(e);
  return c.json({ error: { code: "internal", message: "The server failed to answer" } }, 500);
}
