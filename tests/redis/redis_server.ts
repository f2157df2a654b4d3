// A real redis-server for the Redis tests: started on a free loopback port with its own data
// folder, ready once it answers PING, stopped by pid. `restart()` brings it back on the same
// port and folder (with AOF on, with the same data); `pause()`/`resume()` stall it with
// SIGSTOP/SIGCONT.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectRedis, type RedisLink } from "../../redis.ts";

/** A running redis-server. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops it (SIGTERM, or SIGKILL with `kill`) and waits for the process to end. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
  /** Stalls it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  /** A connection for the test's own reads; closed by `close()`. */
  link(): Promise<RedisLink>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the Redis at `url` answers PING (10 s at most). */
export async function waitForPing(url: string, ca?: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const link = await connectRedis(url, { onError: () => {}, single: true, ca });
      try {
        if ((await link.send(["PING"])) === "PONG") return;
      } finally {
        await link.close({ now: true });
      }
    } catch (e) {
      if (Date.now() > deadline) {
        throw new Error(`redis-server at ${url} did not answer`, { cause: e });
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts redis-server; `aof: true` turns on the append-only file, fsynced on every write;
 * `args` are more redis-server options (`["--maxmemory-policy", "allkeys-lru"]`).
 */
export async function startRedis(
  options: { aof?: boolean; args?: string[] } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "workloom-redis-"));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const links: RedisLink[] = [];
  let child: ReturnType<typeof spawn> | undefined;
  let exited: Promise<void> = Promise.resolve();
  const launch = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir];
    args.push("--appendonly", options.aof ? "yes" : "no");
    if (options.aof) args.push("--appendfsync", "always");
    args.push(...(options.args ?? []));
    child = spawn("redis-server", args, { stdio: "ignore" });
    const c = child;
    exited = new Promise((r) => c.once("exit", () => r()));
    await waitForPing(url);
  };
  const stop = async (o: { kill?: boolean } = {}) => {
    if (child && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, o.kill ? "SIGKILL" : "SIGTERM");
      await exited;
    }
  };
  await launch();
  return {
    url,
    port,
    stop,
    restart: launch,
    pause: () => process.kill(child!.pid!, "SIGSTOP"),
    resume: () => process.kill(child!.pid!, "SIGCONT"),
    async link() {
      const l = await connectRedis(url, { onError: () => {} });
      links.push(l);
      return l;
    },
    async close() {
      for (const l of links) await l.close({ now: true });
      await stop({ kill: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
