/**
 * The node-redis client behind a {@linkcode RedisLink}: a single Redis (`redis://`, `rediss://`
 * with TLS) or a Redis Cluster, which the link finds out by itself (`INFO cluster` on the node in
 * the URL says `cluster_enabled:1`): then it uses node-redis's cluster client, which learns the
 * slot map from that node, sends each command to the master of its key's slot and follows MOVED
 * and ASK redirections. Credentials and TLS in the URL (and the CA given) apply to every node.
 *
 * @module
 */
import { createClient, createCluster, createSentinel } from "redis";

/** How to reach Redis, besides its URL. */
export interface ClientOptions {
  /** A name shown by CLIENT LIST. */
  name: string;
  /** The deadline of a connection attempt, in ms. */
  connectTimeoutMs: number;
  /** PEM text of the certificate authorities a `rediss://` server's certificate is checked against. */
  ca?: string;
  /** Never a cluster client, even on a cluster node (an operator's own link to one node). */
  single?: boolean;
}

/** What the link needs of a client, a single one or a cluster. */
export interface RawClient {
  /** `single`, `cluster` or `sentinel`. */
  readonly kind: "single" | "cluster" | "sentinel";
  /** Sends `args`, to the node serving `key`'s slot on a cluster (any node without a key). */
  send(args: string[], key: string | undefined): Promise<unknown>;
  /** Hears connection errors. */
  onError(listener: (e: Error) => void): void;
  /** Hears each (re)connection that is ready for commands. */
  onReady(listener: () => void): void;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
  readonly isOpen: boolean;
}

// Retry forever, backing off to a second: a node outlives a Redis restart.
const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** Math.min(retries, 5), 1000);

function single(url: string, o: ClientOptions): RawClient {
  const client = createClient({
    url,
    name: o.name,
    // A command sent while the connection is down fails now instead of waiting in a queue that
    // would send it after the caller answered 503 (a submission would become a job later).
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy,
      connectTimeout: o.connectTimeoutMs,
      ...(o.ca === undefined ? {} : { tls: true as const, ca: o.ca }),
    },
  });
  return {
    kind: "single",
    send: (args) => client.sendCommand(args),
    onError: (l) => client.on("error", l),
    onReady: (l) => client.on("ready", l),
    connect: () => client.connect(),
    close: () => client.close(),
    destroy: () => client.destroy(),
    get isOpen() {
      return client.isOpen;
    },
  };
}

function cluster(url: string, o: ClientOptions): RawClient {
  const u = new URL(url);
  const tls = u.protocol === "rediss:";
  const client = createCluster({
    rootNodes: [{ url }],
    // Discovered nodes get these, not the root node's URL: the credentials and TLS too.
    defaults: {
      name: o.name,
      disableOfflineQueue: true,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      socket: {
        reconnectStrategy,
        connectTimeout: o.connectTimeoutMs,
        ...(tls ? { tls: true as const, ...(o.ca === undefined ? {} : { ca: o.ca }) } : {}),
      },
    },
  });
  return {
    kind: "cluster",
    send: (args, key) => client.sendCommand(key, false, args),
    // node-redis reports a node's connection errors as node-error; error is its own.
    onError: (l) => {
      client.on("error", l);
      client.on("node-error", l);
    },
    onReady: (l) => client.on("node-ready", l),
    connect: () => client.connect(),
    close: () => client.close(),
    destroy: () => client.destroy(),
    get isOpen() {
      return client.isOpen;
    },
  };
}

/**
 * The Sentinels and master name of a `redis+sentinel://[user:password@]host:port[,host:port…]/name`
 * URL (the credentials are the Redis user's, not the Sentinels').
 */
export function parseSentinelUrl(url: string): {
  name: string;
  sentinels: { host: string; port: number }[];
  username?: string;
  password?: string;
} {
  const m = /^redis\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([^/?#]+)$/.exec(url);
  const sentinels = (m?.[3] ?? "").split(",").map((hp) => {
    const at = hp.lastIndexOf(":");
    return { host: hp.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(hp.slice(at + 1)) };
  });
  if (!m || sentinels.some((s) => !s.host || !Number.isInteger(s.port) || s.port < 1)) {
    throw new TypeError(
      "Cannot use the Redis queue as a Sentinel 'url' must be " +
        `redis+sentinel://[user:password@]host:port[,host:port…]/<master name>: current value is ${
          url.replace(/\/\/[^@/]*@/, "//***@")
        }`,
    );
  }
  return {
    name: decodeURIComponent(m[4]),
    sentinels,
    ...(m[1] ? { username: decodeURIComponent(m[1]) } : {}),
    ...(m[2] ? { password: decodeURIComponent(m[2]) } : {}),
  };
}

function sentinel(url: string, o: ClientOptions): RawClient {
  const { name, sentinels, username, password } = parseSentinelUrl(url);
  const socket = { reconnectStrategy, connectTimeout: o.connectTimeoutMs };
  const client = createSentinel({
    name,
    sentinelRootNodes: sentinels,
    nodeClientOptions: {
      name: o.name,
      disableOfflineQueue: true,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      socket,
    },
    sentinelClientOptions: { socket },
    // The master's connection errors come to the one listener below.
    passthroughClientErrorEvents: true,
    // A failover is noticed from Sentinel's +switch-master at once; this is the fallback.
    scanInterval: 1000,
  });
  return {
    kind: "sentinel",
    send: (args) => client.sendCommand(false, args),
    onError: (l) =>
      client.on("error", (e: unknown) => l(e instanceof Error ? e : new Error(String(e)))),
    onReady: (l) => client.on("topology-change", l),
    connect: () => client.connect(),
    close: () => client.close(),
    destroy: () => void client.destroy(),
    get isOpen() {
      return client.isOpen;
    },
  };
}

/** A client being opened: `connected` settles once it is ready; `destroy` stops it at once. */
export interface Opening {
  connected: Promise<RawClient>;
  destroy(): void;
}

/**
 * Opens a client for `url`: connects to it once to ask whether it is a cluster node, and opens
 * the cluster client if so. `connected` rejects when the first connection fails.
 *
 * @example
 * ```ts ignore
 * import { openClient } from "./redis_client.ts";
 * const o = openClient("redis://127.0.0.1:7000", { name: "x", connectTimeoutMs: 2000 }, {
 *   onError: console.error,
 *   onReady: () => {},
 * });
 * console.log((await o.connected).kind); // "cluster" on a cluster node
 * ```
 */
export function openClient(
  url: string,
  o: ClientOptions,
  listeners: { onError: (e: Error) => void; onReady: () => void },
): Opening {
  if (url.startsWith("redis+sentinel://")) {
    const c = sentinel(url, o);
    c.onError(listeners.onError);
    c.onReady(listeners.onReady);
    return {
      connected: c.connect().then(() => c),
      destroy: () => {
        try {
          c.destroy();
        } catch {
          // Not open.
        }
      },
    };
  }
  let current = single(url, o);
  let destroyed = false;
  current.onError(listeners.onError);
  const connected = (async () => {
    const first = current;
    await first.connect();
    let info: string;
    try {
      info = String(await first.send(["INFO", "cluster"], undefined));
    } catch (e) {
      first.destroy();
      throw e;
    }
    if (o.single || !/^cluster_enabled:1/m.test(info)) {
      first.onReady(listeners.onReady);
      return first;
    }
    await first.close().catch(() => first.destroy());
    if (destroyed) throw new Error("The connection was closed while it opened");
    current = cluster(url, o);
    current.onError(listeners.onError);
    current.onReady(listeners.onReady);
    await current.connect();
    return current;
  })();
  return {
    connected,
    destroy: () => {
      destroyed = true;
      try {
        current.destroy();
      } catch {
        // Not open yet, or closed already.
      }
    },
  };
}
