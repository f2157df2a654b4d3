// Redis Cluster's own failover: three masters with a replica each (six real redis-server
// processes); the master of the queue's slot is killed with SIGKILL while two nodes run its
// jobs. The cluster promotes its replica; the nodes' cluster clients find the new master, /readyz
// answers 503 meanwhile and 200 after, and every job the new master has ends exactly once.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { connectRedis } from "../../redis.ts";
import { redisKeys } from "../../src/redis/redis_keys.ts";
import { call } from "../server/server_helpers.ts";
import { hashSlot } from "./hash_slot.ts";
import { startCluster } from "./redis_cluster.ts";
import { scratch, startNode, until } from "./redis_helpers.ts";

const JOBS = 300;
const keys = redisKeys("cfo");

test(
  "Redis Cluster: the master of the queue's slot killed, its replica promoted: the nodes follow, /readyz tells the truth, every job ends exactly once",
  {
    timeout: 120_000,
  },
  async () => {
    const cluster = await startCluster(3, 1);
    const slot = hashSlot(keys.prefix);
    const owner = await cluster.owner(slot);
    const other = cluster.nodes.find((n) => n !== owner && n.port !== owner.port)!;
    const log = join(scratch(), "log");
    const options = { prefix: "cfo", claimIdleMs: 2000, pollMs: 50, commandTimeoutMs: 2000 };
    const big = { maxQueue: 10_000, maxJobs: 10_000, maxQueuePerKey: 10_000, log: () => {} };
    const a = await startNode(other.url, { ...options, nodeId: "a" }, big);
    const b = await startNode(other.url, { ...options, nodeId: "b" }, big);
    const link = await connectRedis(other.url, { onError: () => {} });
    try {
      // The replica of the slot's master is in sync before the master dies.
      const replicaOf = async () => {
        for (const n of cluster.nodes) {
          if (n === owner) continue;
          const info = String(await n.link.send(["INFO", "replication"]));
          if (info.includes(`master_port:${owner.port}`) && /master_link_status:up/.test(info)) {
            return n;
          }
        }
      };
      const replica = await until("the master's replica in sync", replicaOf);
      const ids: string[] = [];
      for (let from = 0; from < JOBS; from += 100) {
        const batch = Array.from({ length: 100 }, (_, i) => ({
          task: "mark",
          input: { n: from + i, log, ms: 5 },
        }));
        // A batch Redis refused past its deadline (a loaded machine) wrote nothing: again.
        const sent = await until("the batch accepted", async () => {
          const r = await call(`${a.url}/jobs/batch`, { json: batch });
          if (r.status === 503) return undefined;
          assert.equal(r.status, 202, JSON.stringify(r.body));
          return r;
        });
        ids.push(...sent.body.map((j: { id: string }) => j.id));
      }
      await until("50 results", async () => {
        return Number(await link.send(["GET", keys.recorded]) ?? 0) >= 50 ? true : undefined;
      });
      await cluster.kill(owner);
      const down = await until("/readyz to answer 503", async () => {
        const r = await call(`${a.url}/readyz`);
        return r.status === 503 ? r : undefined;
      });
      assert.match(JSON.stringify(down.body), /queue_unavailable|Redis/);
      await until("the replica to be promoted", async () => {
        return (await cluster.owner(slot)).port === replica.port ? true : undefined;
      }, 60_000);
      await until("/readyz to answer 200 again", async () => {
        return (await call(`${a.url}/readyz`)).status === 200 ? true : undefined;
      }, 60_000);
      const after = await call(`${b.url}/jobs?wait=10000`, {
        json: { task: "echo", input: "after" },
      });
      assert.equal(after.body.status, "succeeded", JSON.stringify(after.body));

      const all = (await replica.link.send(["ZRANGE", keys.jobs, 0, -1])) as string[];
      await until("every job on the new master to end", async () => {
        const st = await Promise.all(
          all.map((id) => replica.link.send(["HGET", keys.job(id), "status"])),
        );
        return st.every((x) => x === "succeeded") ? true : undefined;
      }, 60_000);
      assert.equal(Number(await replica.link.send(["GET", keys.recorded])), all.length);
      const present = new Set(all);
      const lost = ids.filter((id) => !present.has(id));
      assert.deepEqual(lost, [], "jobs acknowledged long before the kill are gone");
      for (const [n, id] of ids.entries()) {
        assert.equal(await replica.link.send(["HGET", keys.job(id), "result"]), String(n));
      }
    } finally {
      await link.close();
      await a.close();
      await b.close();
      await cluster.close();
    }
  },
);
