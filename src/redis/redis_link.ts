/**
 * The thin seam between workloom and a Redis client: one function that sends a command and one
 * that closes, so that a faster client can be swapped in later without touching the queue. The
 * only file that imports `redis` (node-redis), which works the same on Deno and Bun.
 *
 * @module
 */
import { createClient } from "redis";

/** One Redis connection as the queue uses it. */
export interface RedisLink {
  /** Sends one command and resolves with Redis's reply (RESP2: strings, numbers, arrays, null). */
  send(args: readonly (string | number)[]): Promise<unknown>;
  /**
   * Closes the connection after the replies still due, or with `now` at once (a blocking read
   * in flight rejects).
   */
  close(options?: { now?: boolean }): Promise<void>;
}

/**
 * Opens a connection to `url` that reconnects by itself after Redis restarts or the connection
 * drops. Commands sent while it is down wait for the reconnection; those in flight when it
 * dropped reject, and the caller retries them (every script of the queue may run twice).
 *
 * @example
 * ```ts ignore
 * import { connectRedis } from "./redis_link.ts";
 * const link = await connectRedis("redis://127.0.0.1:6379", { onError: console.error });
 * console.log(await link.send(["PING"])); // "PONG"
 * await link.close();
 * ```
 */
export async function connectRedis(
  url: string,
  options: {
    /** Hears connection errors (one per failed reconnection attempt). */
    onError: (error: Error) => void;
    /** A name shown by CLIENT LIST. @default {"workloom"} */
    name?: string;
  },
): Promise<RedisLink> {
  const client = createClient({
    url,
    name: options.name ?? "workloom",
    // Retry forever, quickly at first: a node outlives a Redis restart.
    socket: { reconnectStrategy: (retries: number) => Math.min(50 + retries * 50, 1000) },
  });
  // node-redis throws an unhandled error without a listener.
  client.on("error", (e: Error) => options.onError(e));
  await client.connect();
  return {
    send: (args) => client.sendCommand(args.map(String)),
    close: async (o = {}) => {
      if (!client.isOpen) return;
      if (o.now) client.destroy();
      else await client.close();
    },
  };
}
