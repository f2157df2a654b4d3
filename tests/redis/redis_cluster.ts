// A real Redis Cluster for the tests: three masters (`redis-server --cluster-enabled yes` on free
// loopback ports, each in its own folder) joined by `redis-cli --cluster create`, ready once
// every node says cluster_state:ok. `move(slot, to)` migrates one slot, key by key, with
// CLUSTER SETSLOT … IMPORTING/MIGRATING, MIGRATE and SETSLOT … NODE, as `redis-cli --cluster
// reshard` does, with a hook between the keys so that a test can make MOVED and ASK happen.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectRedis, type RedisLink } from "../../redis.ts";
import { freePort, waitForPing } from "./redis_server.ts";

/** One master of the cluster. */
export interface ClusterNode {
  port: number;
  url: string;
  id: string;
  /** A plain (not cluster) connection to this node, for CLUSTER commands and checks. */
  link: RedisLink;
}

/** A running cluster. */
export interface RedisCluster {
  /** The URL of the first node: any node of a cluster will do. */
  url: string;
  nodes: ClusterNode[];
  /** The node that serves `slot` now. */
  owner(slot: number): Promise<ClusterNode>;
  /**
   * Moves `slot` to `to`, ten keys at a time, the keys `first` picks before the others;
   * `between(moved)` runs after each batch (the slot is migrating then: ASK for keys moved,
   * TRYAGAIN for commands on several keys, some moved).
   */
  move(
    slot: number,
    to: ClusterNode,
    options?: { first?: (key: string) => boolean; between?: (moved: string[]) => Promise<void> },
  ): Promise<void>;
  /** Kills `node`'s process with SIGKILL and waits for its end. */
  kill(node: ClusterNode): Promise<void>;
  /** Stops every node and removes their folders. */
  close(): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (e, out, err) => {
      if (e) reject(new Error(`${cmd} ${args.join(" ")}: ${e.message} ${out} ${err}`));
      else resolve(out);
    });
  });
}

/**
 * Starts a cluster of `masters` masters (three by default), each with `replicas` replicas (none
 * by default; `nodes` lists the masters first).
 */
export async function startCluster(
  masters = 3,
  replicas = 0,
  options: { tls?: { certs: string; ca: string } } = {},
): Promise<RedisCluster> {
  const { tls } = options;
  // With TLS, every port (clients and the cluster bus) is TLS only; certs from makeCerts().
  const scheme = tls ? "rediss" : "redis";
  const tlsArgs = tls
    ? [
      "--tls-cluster",
      "yes",
      "--tls-replication",
      "yes",
      "--tls-cert-file",
      join(tls.certs, "server.crt"),
      "--tls-key-file",
      join(tls.certs, "server.key"),
      "--tls-ca-cert-file",
      join(tls.certs, "ca.crt"),
      "--tls-auth-clients",
      "no",
    ]
    : [];
  const dir = mkdtempSync(join(tmpdir(), "workloom-cluster-"));
  const children: ReturnType<typeof spawn>[] = [];
  const exits: Promise<void>[] = [];
  const nodes: ClusterNode[] = [];
  const close = async () => {
    for (const n of nodes) await n.link.close({ now: true });
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    }
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freePort());
    for (const port of ports) {
      const home = join(dir, String(port));
      await run("mkdir", ["-p", home]);
      const child = spawn("redis-server", [
        ...(tls
          ? ["--port", "0", "--tls-port", String(port), ...tlsArgs]
          : ["--port", String(port)]),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(home, "nodes.conf"),
        "--cluster-node-timeout",
        "2000",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        home,
      ], { stdio: "ignore" });
      children.push(child);
      exits.push(new Promise((r) => child.once("exit", () => r())));
      await waitForPing(`${scheme}://127.0.0.1:${port}`, tls?.ca);
    }
    await run("redis-cli", [
      ...(tls ? ["--tls", "--cacert", join(tls.certs, "ca.crt")] : []),
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    for (const port of ports) {
      const url = `${scheme}://127.0.0.1:${port}`;
      // A plain link: connectRedis would open a cluster client on a cluster node.
      const link = await connectRedis(url, { onError: () => {}, single: true, ca: tls?.ca });
      nodes.push({ port, url, link, id: String(await link.send(["CLUSTER", "MYID"])) });
    }
    const deadline = Date.now() + 20_000;
    for (const n of nodes) {
      while (!/cluster_state:ok/.test(String(await n.link.send(["CLUSTER", "INFO"])))) {
        if (Date.now() > deadline) throw new Error(`cluster node ${n.port} is not ok`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (e) {
    await close();
    throw e;
  }
  const alive = new Set(nodes);
  const owner = async (slot: number) => {
    const asked = [...alive][0];
    const slots = (await asked.link.send(["CLUSTER", "SLOTS"])) as [
      number,
      number,
      [string, number, string],
    ][];
    const range = slots.find(([from, to]) => from <= slot && slot <= to)!;
    return nodes.find((n) => n.port === Number(range[2][1]))!;
  };
  return {
    url: nodes[0].url,
    nodes,
    owner,
    async move(slot, to, options = {}) {
      const from = await owner(slot);
      if (from === to) throw new Error(`slot ${slot} is on ${to.port} already`);
      await to.link.send(["CLUSTER", "SETSLOT", slot, "IMPORTING", from.id]);
      await from.link.send(["CLUSTER", "SETSLOT", slot, "MIGRATING", to.id]);
      const moved: string[] = [];
      for (;;) {
        const all = (await from.link.send(["CLUSTER", "GETKEYSINSLOT", slot, 100_000])) as string[];
        if (all.length === 0) break;
        const first = options.first ? all.filter(options.first) : [];
        const keys = (first.length > 0 ? first : all).slice(0, 10);
        await from.link.send(["MIGRATE", "127.0.0.1", to.port, "", 0, 5000, "KEYS", ...keys]);
        moved.push(...keys);
        await options.between?.(moved);
      }
      // The new owner first, then the old one, then the rest: as redis-cli does.
      await to.link.send(["CLUSTER", "SETSLOT", slot, "NODE", to.id]);
      await from.link.send(["CLUSTER", "SETSLOT", slot, "NODE", to.id]);
      for (const n of nodes) {
        if (n !== to && n !== from) await n.link.send(["CLUSTER", "SETSLOT", slot, "NODE", to.id]);
      }
    },
    async kill(node) {
      const child = children[nodes.indexOf(node)];
      alive.delete(node);
      await node.link.close({ now: true });
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGKILL");
        await exited;
      }
    },
    close,
  };
}
