/**
 * Refusing a body that is not UTF-8. `Request.json()` decodes leniently, replacing bad bytes
 * with U+FFFD, so a job would run on an input other than the one sent; JSON is UTF-8 (RFC 8259),
 * and a body that is not gets a 400 that says so.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api_error.ts";

const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Middleware answering 400 `invalid_utf8` to a body that is not valid UTF-8. It reads the body
 * once through Hono's cache, so the JSON validator after it parses the same bytes without
 * reading the request again; put it after the body-size limit, which then still applies.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { utf8Body } from "./utf8_body.ts";
 * const app = new Hono();
 * app.post("/jobs", utf8Body, (c) => c.json({ ok: true }));
 * ```
 */
export const utf8Body: MiddlewareHandler = async (c, next) => {
  const bytes = await c.req.arrayBuffer();
  try {
    strict.decode(bytes);
  } catch {
    throw new ApiError(400, "invalid_utf8", "The body is not valid UTF-8");
  }
  await next();
};
