/**
 * The host check that stops DNS rebinding. A server without a token trusts whoever can reach
 * it, which on loopback means this machine; but a web page the operator opens can point a name
 * it controls at 127.0.0.1 and then send requests there from the browser. Those requests carry
 * the page's name in `Host`, so a token-less server answers only requests that name a loopback
 * address (or a name the operator allowed), and 421 to anything else.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api_error.ts";
import { isLoopback } from "./auth.ts";

/** The hostname of a `Host` value or URL authority (`[::1]:80` → `::1`), lowercased. */
function hostnameOf(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith("[")) return a.slice(1, a.indexOf("]") === -1 ? undefined : a.indexOf("]"));
  // A bare IPv6 address has several colons and no port.
  if (a.indexOf(":") !== a.lastIndexOf(":")) return a;
  return a.replace(/:\d*$/, "");
}

/**
 * Validates the names of `--allowed-hosts` and returns them lowercased. Throws `TypeError`
 * naming the bad one.
 *
 * @example
 * ```ts
 * import { allowedHostNames } from "./host_check.ts";
 * console.log(allowedHostNames(["Jobs.Internal", "10.0.0.5"])); // ["jobs.internal", "10.0.0.5"]
 * ```
 */
export function allowedHostNames(names: readonly string[]): string[] {
  return names.map((name, i) => {
    if (typeof name !== "string" || !/^(\[[0-9a-f:.]+\]|[a-z0-9._-]+|[0-9a-f:.]+)$/i.test(name)) {
      throw new TypeError(
        `Cannot create the server as 'allowedHosts[${i}]' must be a host name or address ` +
          `without a port: current value is ${JSON.stringify(name)}`,
      );
    }
    return hostnameOf(name.includes("]") ? name : name.includes(":") ? `[${name}]` : name);
  });
}

/**
 * Middleware answering 421 `host_not_allowed` to a request whose `Host` header is missing or
 * names neither a loopback address (`localhost`, `127.0.0.1`, `[::1]`, any port) nor one of
 * `allowed`, and to an absolute-form request (`GET http://other/…`) naming another host where
 * the runtime shows it (Deno does; Bun builds the URL from `Host`, which is checked).
 *
 * @example
 * ```ts ignore
 * import { Hono } from "hono";
 * import { hostCheck } from "./host_check.ts";
 * const app = new Hono();
 * app.use("*", hostCheck(["jobs.internal"]));
 * ```
 */
export function hostCheck(allowed: readonly string[]): MiddlewareHandler {
  const names = new Set(allowed);
  const ok = (hostname: string): boolean => isLoopback(hostname) || names.has(hostname);
  return async (c, next) => {
    const header = c.req.header("host");
    let target = "";
    try {
      target = new URL(c.req.url).hostname;
    } catch {
      // A request line without a host (HTTP/1.0 on Bun): only the header can say.
    }
    const host = header === undefined ? undefined : hostnameOf(header);
    if (host === undefined || !ok(host) || (target !== "" && !ok(hostnameOf(target)))) {
      throw new ApiError(
        421,
        "host_not_allowed",
        `This server answers only requests for a loopback address${
          names.size ? " or an allowed host" : ""
        }: Host is ${JSON.stringify(header ?? null)}. Use --allowed-hosts (or a token) to serve ` +
          "other names.",
      );
    }
    await next();
  };
}
