// A primary, a replica and one redis-sentinel watching them (quorum 1, down after 1 s), each a
// real process on a free loopback port with its own folder: ready once the replica's link is up
// and Sentinel knows the replica, so that killing the primary makes a failover.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { connectRedis, type RedisLink } from "../../redis.ts";
import { freePort, waitForPing } from "./redis_server.ts";

export const MASTER = "wl";

/** The three processes. */
export interface SentinelSetup {
  /** `redis+sentinel://127.0.0.1:<sentinel port>/wl`. */
  url: string;
  primaryPort: number;
  replicaPort: number;
  /** Plain links to the primary and the replica (the test's own reads). */
  primary: RedisLink;
  replica: RedisLink;
  /** Sends a command to Sentinel (which knows neither TIME nor most commands a link sends). */
  sentinel(args: string[]): Promise<unknown>;
  /** Kills the primary with SIGKILL and waits for its end. */
  killPrimary(): Promise<void>;
  /** The port Sentinel names as the master now. */
  masterPort(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the primary, the replica and Sentinel. */
export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), "workloom-sentinel-"));
  const children: ReturnType<typeof spawn>[] = [];
  const exits: Promise<void>[] = [];
  const links: RedisLink[] = [];
  const launch = (cmd: string, args: string[]) => {
    const child = spawn(cmd, args, { stdio: "ignore" });
    children.push(child);
    exits.push(new Promise((r) => child.once("exit", () => r())));
    return child;
  };
  const close = async () => {
    for (const l of links) await l.close({ now: true });
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    }
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
  };
  const plain = async (port: number) => {
    const l = await connectRedis(`redis://127.0.0.1:${port}`, { onError: () => {}, single: true });
    links.push(l);
    return l;
  };
  const server = (port: number, extra: string[]) => {
    const home = join(dir, String(port));
    mkdirSync(home);
    return launch("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      home,
      ...extra,
    ]);
  };
  try {
    const primaryPort = await freePort();
    const replicaPort = await freePort();
    const sentinelPort = await freePort();
    const primaryChild = server(primaryPort, []);
    await waitForPing(`redis://127.0.0.1:${primaryPort}`);
    server(replicaPort, ["--replicaof", "127.0.0.1", String(primaryPort)]);
    await waitForPing(`redis://127.0.0.1:${replicaPort}`);
    const conf = join(dir, "sentinel.conf");
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${MASTER} 127.0.0.1 ${primaryPort} 1`,
        `sentinel down-after-milliseconds ${MASTER} 1000`,
        `sentinel failover-timeout ${MASTER} 10000`,
        `sentinel parallel-syncs ${MASTER} 1`,
        "",
      ].join("\n"),
    );
    launch("redis-sentinel", [conf]);
    const primary = await plain(primaryPort);
    const replica = await plain(replicaPort);
    const sc = createClient({ url: `redis://127.0.0.1:${sentinelPort}`, RESP: 2 });
    sc.on("error", () => {});
    const started = Date.now();
    for (;;) {
      try {
        await sc.connect();
        break;
      } catch (e) {
        if (Date.now() - started > 10_000) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    links.push({ close: () => sc.destroy() } as unknown as RedisLink);
    const sentinel = (args: string[]): Promise<unknown> => sc.sendCommand(args);
    const deadline = Date.now() + 30_000;
    const wait = async (what: string, ok: () => Promise<boolean>) => {
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await wait(
      "the replica's link",
      async () => /master_link_status:up/.test(String(await replica.send(["INFO", "replication"]))),
    );
    await wait("Sentinel to know the replica", async () => {
      const rows = (await sentinel(["SENTINEL", "REPLICAS", MASTER])) as string[][];
      return rows.some((r) => {
        const f = Object.fromEntries(r.flatMap((v, i) => (i % 2 ? [] : [[v, r[i + 1]]])));
        return Number(f.port) === replicaPort && f.flags === "slave" &&
          f["master-link-status"] === "ok";
      });
    });
    const masterPort = async () => {
      const [, port] = (await sentinel([
        "SENTINEL",
        "GET-MASTER-ADDR-BY-NAME",
        MASTER,
      ])) as [string, string];
      return Number(port);
    };
    return {
      url: `redis+sentinel://127.0.0.1:${sentinelPort}/${MASTER}`,
      primaryPort,
      replicaPort,
      primary,
      replica,
      sentinel,
      masterPort,
      async killPrimary() {
        const exited = new Promise<void>((r) => primaryChild.once("exit", () => r()));
        primaryChild.kill("SIGKILL");
        await exited;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
