/**
 * Bearer-token authentication for the job server. With a token, every route needs
 * `Authorization: Bearer <token>` but three: the probes `GET /healthz` and `GET /readyz`, and
 * `GET /`, the dashboard page, open on purpose: it holds no data (its stream needs the token)
 * and a browser cannot send a bearer token when it opens a page.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { ApiError } from "./api_error.ts";

/**
 * Middleware that refuses requests without the bearer `token` with 401. Routes registered before
 * it (the health probes) answer without it. The comparison is Hono's
 * `timingSafeEqual`, which hashes both sides first, so the time it takes says nothing about how
 * much of a guess was right, nor about the token's length.
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { bearerToken } from "./auth.ts";
 * const app = new Hono();
 * app.use("*", bearerToken("s3cret"));
 * ```
 */
export function bearerToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match || !(await timingSafeEqual(match[1], token))) {
      throw new ApiError(
        401,
        "unauthorized",
        "A valid 'Authorization: Bearer <token>' is required",
        {
          "WWW-Authenticate": 'Bearer realm="workloom"',
        },
      );
    }
    await next();
  };
}

// In its own file so that `workloom serve` can check --host without loading Hono.
export { isLoopback } from "./loopback.ts";
