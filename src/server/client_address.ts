/**
 * The address a request came from, as the serving adapter hands it to the app (`env`), for the
 * quotas and caps per client. A server mounted in another app without it applies none of them.
 *
 * @module
 */

/** What `workloom serve` passes as the app's `env`: the client's address. */
export interface ConnectionInfo {
  /** The peer's IP address. */
  remoteAddress?: string;
}

/**
 * The client's address from a Hono context's `env`, or `undefined` when the server was not told.
 *
 * @example
 * ```ts
 * import { clientAddress } from "./client_address.ts";
 * console.log(clientAddress({ env: { remoteAddress: "127.0.0.1" } })); // 127.0.0.1
 * ```
 */
export function clientAddress(c: { env: unknown }): string | undefined {
  const env = c.env as ConnectionInfo | undefined;
  return typeof env?.remoteAddress === "string" ? env.remoteAddress : undefined;
}
