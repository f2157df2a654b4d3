/**
 * Which host names only this machine can reach. A file of its own, with no import: the command
 * line checks `--host` with it before it loads Hono, an optional peer.
 *
 * @module
 */

/**
 * True for the hostnames that only this machine can reach. Binding anywhere else without a
 * token would let anyone on the network run tasks, so `workloom serve` refuses that.
 *
 * @example
 * ```ts
 * import { isLoopback } from "./loopback.ts";
 * console.log(isLoopback("127.0.0.1"), isLoopback("0.0.0.0")); // true false
 * ```
 */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}
