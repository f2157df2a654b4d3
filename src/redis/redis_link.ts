/**
 * The thin seam between workloom and a Redis client: one function that sends a command and one
 * that closes, so that a faster client can be swapped in later without touching the queue. The
 * only files that import `redis` (node-redis, which works the same on Deno and Bun) are this one
 * and redis_client.ts, which opens a single Redis or a Redis Cluster behind the same seam.
 *
 * Every command has a deadline: a Redis that stalls (SIGSTOP, a long fork, a partition) or is
 * gone answers `QueueUnavailableError` within it, never a hang. Commands sent while the
 * connection is down fail at once (the client's offline queue is off): nothing a caller gave up
 * on is sent later behind its back.
 *
 * @module
 */
import { ErrorReply } from "redis";
import { openClient, type RawClient } from "./redis_client.ts";
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";

/** How one command is sent. */
export interface SendOptions {
  /** Added to the deadline: a blocking read's own BLOCK time. @default {0} */
  extraMs?: number;
  /**
   * Hears the reply of a command answered after its deadline (the caller got
   * `QueueUnavailableError` already): a take whose jobs would otherwise sit claimed by nobody.
   */
  late?: (reply: unknown) => void;
}

/** One Redis connection as the queue uses it. */
export interface RedisLink {
  /**
   * Sends one command and resolves with Redis's reply (RESP2: strings, numbers, arrays, null).
   * Rejects with `QueueUnavailableError` when Redis is not connected or does not answer within
   * the deadline, and with Redis's own error when it answers one.
   */
  send(args: readonly (string | number)[], options?: SendOptions): Promise<unknown>;
  /**
   * Closes the connection after the replies still due (within the deadline), or with `now` at
   * once (a blocking read in flight rejects).
   */
  close(options?: { now?: boolean }): Promise<void>;
  /** The deadline of one command, in ms. */
  readonly commandTimeoutMs: number;
  /** Redis's clock minus this process's (`performance.timeOrigin + performance.now()`), in ms. */
  readonly clockOffsetMs: number;
  /** `cluster` for a Redis Cluster node, `sentinel` for a Sentinel URL, `single` otherwise. */
  readonly kind: "single" | "cluster" | "sentinel";
  /** Why Redis is out of reach, and since when (ms, this process's clock); undefined while it answers. */
  readonly down: { reason: string; since: number } | undefined;
}

/** Options of {@linkcode connectRedis}. */
export interface ConnectOptions {
  /** Hears connection errors (one per failed reconnection attempt). */
  onError: (error: Error) => void;
  /** A name shown by CLIENT LIST. @default {"workloom"} */
  name?: string;
  /** The deadline of one command, in ms. @default {2000} */
  commandTimeoutMs?: number;
  /** Hears each change between reachable (`undefined`) and out of reach (the reason). */
  onHealth?: (down: string | undefined) => void;
  /** PEM text of the certificate authorities a `rediss://` server's certificate is checked against. */
  ca?: string;
  /**
   * On a cluster, where commands without a key go (TIME, INFO): to the master of this key's
   * slot, the queue's own. @default {any node}
   */
  slotKey?: string;
  /** Talk to the node in the URL only, even when it is a cluster node. @default {false} */
  single?: boolean;
}

/**
 * The key a command is about, for a cluster to route it: EVAL's first key, XREAD's first stream,
 * none for server commands, else the first argument.
 */
function keyOf(args: readonly string[]): string | undefined {
  const name = args[0].toUpperCase();
  if (name === "EVAL" || name === "EVALSHA") return Number(args[2]) > 0 ? args[3] : undefined;
  if (name === "XREAD" || name === "XREADGROUP") {
    const at = args.findIndex((a) => a.toUpperCase() === "STREAMS");
    return at === -1 ? undefined : args[at + 1];
  }
  if (["INFO", "TIME", "PING", "CLUSTER", "ACL", "CONFIG", "DBSIZE"].includes(name)) return;
  return args[1];
}

/** How long a command refused with TRYAGAIN (its slot is migrating) waits before it is sent again. */
const TRYAGAIN_MS = 20;

/** This process's wall clock, read from the monotonic one (a clock step does not move it). */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The seconds a client should wait before retrying after a command deadline of `ms`. */
export function retryAfterFor(ms: number): number {
  return Math.max(1, Math.ceil((2 * ms) / 1000));
}

/**
 * Opens a connection to `url` that reconnects by itself, with backoff, after Redis restarts or
 * the connection drops. Commands in flight when it dropped reject, and the caller retries them
 * (every script of the queue may run twice). Rejects with `QueueUnavailableError` when Redis
 * does not accept the first connection within 5 s (or twice the command deadline).
 *
 * @example
 * ```ts ignore
 * import { connectRedis } from "./redis_link.ts";
 * const link = await connectRedis("redis://127.0.0.1:6379", { onError: console.error });
 * console.log(await link.send(["PING"])); // "PONG"
 * await link.close();
 * ```
 */
export async function connectRedis(url: string, options: ConnectOptions): Promise<RedisLink> {
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new RangeError(
      `Cannot connect to Redis as 'commandTimeoutMs' must be a positive integer: current value is ${timeoutMs}`,
    );
  }
  const retryAfter = retryAfterFor(timeoutMs);
  let down: { reason: string; since: number } | undefined;
  let offsetMs = 0;
  const markDown = (reason: string) => {
    if (down) return;
    down = { reason, since: monotonicNow() };
    options.onHealth?.(reason);
  };
  const markUp = () => {
    if (!down) return;
    down = undefined;
    options.onHealth?.(undefined);
  };
  let client: RawClient | undefined;
  const opening = openClient(url, {
    name: options.name ?? "workloom",
    connectTimeoutMs: Math.max(timeoutMs, 1000),
    ca: options.ca,
    single: options.single,
  }, {
    // node-redis throws an unhandled error without a listener.
    onError: (e: Error) => {
      markDown(`Redis is unreachable: ${e.message}`);
      options.onError(e);
    },
    onReady: () => {
      markUp();
      // The first connection's clock is measured once it is open (below).
      if (client) measureClock().catch(() => {});
    },
  });
  /**
   * Sends once, and again while Redis answers TRYAGAIN (a cluster slot that migrates: the
   * script was refused before it ran), until `end`.
   */
  const attempt = async (args: string[], end: number): Promise<unknown> => {
    if (!client) throw new Error("Redis is not connected yet");
    const key = keyOf(args) ?? options.slotKey;
    for (;;) {
      try {
        return await client.send(args, key);
      } catch (e) {
        if (!(e instanceof ErrorReply) || !e.message.startsWith("TRYAGAIN")) throw e;
        if (monotonicNow() + TRYAGAIN_MS > end) {
          throw new QueueUnavailableError(
            `Redis refused ${
              args[0]
            } until its deadline: the queue's slot is migrating (${e.message})`,
            retryAfter,
            { cause: e },
          );
        }
        await new Promise((r) => setTimeout(r, TRYAGAIN_MS));
      }
    }
  };
  const send = (args: readonly (string | number)[], o: SendOptions = {}): Promise<unknown> => {
    const ms = timeoutMs + (o.extraMs ?? 0);
    let reply: Promise<unknown>;
    try {
      reply = attempt(args.map(String), monotonicNow() + ms);
    } catch (e) {
      reply = Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        const message = `Redis did not answer ${args[0]} within ${ms} ms`;
        markDown(message);
        reject(new QueueUnavailableError(message, retryAfter));
      }, ms);
      reply.then((value) => {
        markUp();
        if (settled) return o.late?.(value);
        settled = true;
        clearTimeout(timer);
        resolve(value);
      }, (e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Redis answered with an error (NOSCRIPT, a script's error): it is up.
        if (e instanceof ErrorReply) {
          markUp();
          return reject(e);
        }
        if (e instanceof QueueUnavailableError) {
          markDown(e.message);
          return reject(e);
        }
        const message = `Redis is unreachable: ${(e as Error)?.message ?? e}`;
        markDown(message);
        reject(new QueueUnavailableError(message, retryAfter, { cause: e }));
      });
    });
  };
  /** Measures Redis's clock against ours (scripts compare deadlines in Redis time). */
  const measureClock = async () => {
    const before = monotonicNow();
    const [s, us] = (await send(["TIME"])) as [string, string];
    const after = monotonicNow();
    offsetMs = Number(s) * 1000 + Math.floor(Number(us) / 1000) - (before + after) / 2;
  };
  // A Redis that is not there at start-up is an error, not a start that never ends: the
  // client would retry for ever. Once connected, it reconnects for ever.
  const connectMs = Math.max(5000, 2 * timeoutMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = await Promise.race([
    opening.connected.then((c) => {
      client = c;
    }, (e: Error) => e.message),
    new Promise<string>((
      r,
    ) => (timer = setTimeout(() => r(down?.reason ?? "no answer"), connectMs))),
  ]).finally(() => clearTimeout(timer));
  if (failed !== undefined) {
    opening.destroy();
    throw new QueueUnavailableError(
      `Redis did not accept a connection within ${connectMs} ms: ${failed}`,
      retryAfter,
    );
  }
  await measureClock();
  return {
    send,
    commandTimeoutMs: timeoutMs,
    get clockOffsetMs() {
      return offsetMs;
    },
    get down() {
      return down;
    },
    get kind() {
      return client!.kind;
    },
    close: async (o = {}) => {
      if (!client!.isOpen) return;
      if (o.now) return client!.destroy();
      // A stalled Redis never sends the replies close() waits for: give it the deadline.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
      const closed = client!.close().then(() => true, () => true);
      const clean = await Promise.race([closed, late]);
      clearTimeout(timer);
      if (!clean) client!.destroy();
    },
  };
}
