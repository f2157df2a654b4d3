/**
 * A POST to an address chosen beforehand: resolve a name (`resolveAll`), check the addresses,
 * then `pinnedPost` connects to the checked one only, whatever the name resolves to by then (a
 * DNS answer that changes between check and use cannot move the connection). `node:http(s)`
 * with a `lookup` that answers the checked address does it on Deno, Bun and Node alike; `fetch`
 * has no way to pin on Deno or Bun. The `Host` header and TLS SNI keep the name. Redirects are
 * never followed (`node:http` does not follow them): a 3xx is the answer.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import * as http from "node:http";
import * as https from "node:https";

/**
 * Every address `host` resolves to (an IP literal resolves to itself), as the system resolver
 * answers, in its order.
 *
 * @example
 * ```ts ignore
 * import { resolveAll } from "./pinned_post.ts";
 * console.log(await resolveAll("localhost")); // ["127.0.0.1", "::1"] or similar
 * ```
 */
export async function resolveAll(host: string): Promise<string[]> {
  const found = await lookup(host.replace(/^\[|\]$/g, ""), { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/** Options of {@linkcode pinnedPost}. */
export interface PinnedPostOptions {
  /** Request headers (`content-length` is set from the body). */
  headers: Record<string, string>;
  /** Aborts the request (the caller's deadline). */
  signal: AbortSignal;
}

/**
 * POSTs `body` to `url`, connecting to `address` only, and answers the response's status once
 * its headers arrive (the body is not read: the connection is closed).
 *
 * @example
 * ```ts ignore
 * import { pinnedPost } from "./pinned_post.ts";
 * const status = await pinnedPost(new URL("http://hooks.test:8080/h"), "127.0.0.1", "{}", {
 *   headers: { "content-type": "application/json" },
 *   signal: AbortSignal.timeout(5000),
 * });
 * ```
 */
export function pinnedPost(
  url: URL,
  address: string,
  body: string,
  options: PinnedPostOptions,
): Promise<number> {
  const family = address.includes(":") ? 6 : 4;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const bytes = new TextEncoder().encode(body);
  const secure = url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const { signal } = options;
    if (signal.aborted) return reject(signal.reason);
    const request = (secure ? https : http).request({
      host,
      port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: "POST",
      // A fresh connection each time: a pooled one could have been made to another address.
      agent: false,
      headers: { ...options.headers, "content-length": String(bytes.length) },
      // Whatever the name resolves to now, connect to the address that was checked.
      lookup: (
        _name: string,
        opts: { all?: boolean },
        done: (...args: unknown[]) => void,
      ) => opts?.all ? done(null, [{ address, family }]) : done(null, address, family),
      ...(secure && !/^[\d.]+$|:/.test(host) ? { servername: host } : {}),
    } as http.RequestOptions, (response) => {
      signal.removeEventListener("abort", onAbort);
      resolve(response.statusCode ?? 0);
      response.destroy();
      request.destroy();
    });
    const onAbort = () => {
      request.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    request.on("error", (e) => {
      signal.removeEventListener("abort", onAbort);
      reject(e);
    });
    request.end(bytes);
  });
}
