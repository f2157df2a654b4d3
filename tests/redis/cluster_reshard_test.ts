// The queue's slot moved to another master of a real Redis Cluster while two nodes run its jobs:
// the slot migrates key by key (CLUSTER SETSLOT … IMPORTING/MIGRATING, MIGRATE, SETSLOT … NODE,
// as redis-cli --cluster reshard does), the job hashes first. Reads of moved keys are answered
// ASK and followed; scripts are refused before they run (TRYAGAIN) while the slot is split, so
// none fails halfway; the nodes' stale slot maps get MOVED afterwards and follow it; every job
// ends with exactly one recorded result.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { connectRedis, RedisJobs, type RedisLink } from "../../redis.ts";
import { QueueUnavailableError } from "../../src/jobs/queue_unavailable.ts";
import { redisKeys } from "../../src/redis/redis_keys.ts";
import { call } from "../server/server_helpers.ts";
import { hashSlot } from "./hash_slot.ts";
import { type ClusterNode, startCluster } from "./redis_cluster.ts";
import { scratch, startNode, starts, until } from "./redis_helpers.ts";

const JOBS = 400;
const keys = redisKeys("reshard");

/** Redis's count of the error replies it sent, by their first word (INFO errorstats). */
async function errors(node: ClusterNode): Promise<Record<string, number>> {
  const info = String(await node.link.send(["INFO", "errorstats"]));
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^errorstat_(\w+):count=(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

async function recorded(link: RedisLink): Promise<number> {
  return Number(await link.send(["GET", keys.recorded]) ?? 0);
}

test(
  "Redis Cluster: the queue's slot moved to another master mid-run: ASK and MOVED are followed, no script fails halfway, every job is final exactly once",
  {
    timeout: 120_000,
  },
  async () => {
    const cluster = await startCluster();
    const dir = scratch();
    const log = join(dir, "log");
    const link = await connectRedis(cluster.url, { onError: () => {} });
    const probe = new RedisJobs(
      await connectRedis(cluster.url, { onError: () => {}, commandTimeoutMs: 300 }),
      "reshard",
    );
    const options = { prefix: "reshard", claimIdleMs: 2000, pollMs: 50 };
    // What the nodes log: a script that failed halfway would be there.
    const logged: unknown[] = [];
    const big = {
      maxQueue: 10_000,
      maxJobs: 10_000,
      maxQueuePerKey: 10_000,
      log: (e: unknown) => logged.push(e),
    };
    const a = await startNode(cluster.url, options, big);
    const b = await startNode(cluster.url, options, big);
    try {
      const batch = Array.from({ length: JOBS }, (_, n) => ({
        task: "mark",
        input: { n, log, ms: 5 },
      }));
      const sent = await call(`${a.url}/jobs/batch`, { json: batch });
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      const ids: string[] = sent.body.map((j: { id: string }) => j.id);
      await until("50 results", async () => (await recorded(link)) >= 50 ? true : undefined);

      const slot = hashSlot(keys.prefix);
      const from = await cluster.owner(slot);
      const to = cluster.nodes.find((n) => n !== from)!;
      const before = await Promise.all(cluster.nodes.map(errors));
      let asked = false;
      let asks = 0;
      await cluster.move(slot, to, {
        first: (k) => k.startsWith(keys.job("")),
        between: async (moved) => {
          if (asked || moved.some((k) => !k.startsWith(keys.job("")))) return;
          if (moved.length < JOBS / 2) return;
          asked = true;
          // Half the job hashes are on the new master, everything else on the old one. The
          // nodes keep trying their scripts (take, heartbeat, finish): wait for Redis to have
          // refused a few, the way it answers while a slot is split.
          const refused = (e: Record<string, number>) => e.TRYAGAIN ?? 0;
          const was = refused(await errors(from)) + refused(await errors(to));
          await until("scripts refused while the slot is split", async () => {
            const now = refused(await errors(from)) + refused(await errors(to));
            return now >= was + 5 ? true : undefined;
          });
          // Reads through a node: a moved job is answered ASK by the old master and read from
          // the new one; the others are read where they are.
          const movedIds = ids.filter((id) => moved.includes(keys.job(id))).slice(0, 30);
          assert.equal(movedIds.length, 30);
          const asked0 = (await errors(from)).ASK ?? 0;
          for (const id of movedIds) {
            const r = await call(`${b.url}/jobs/${id}`);
            assert.equal(r.status, 200, JSON.stringify(r.body));
          }
          asks = ((await errors(from)).ASK ?? 0) - asked0;
          // A script whose declared keys are all still on the old master but which reads a moved
          // job (a heartbeat) is refused before it runs: nothing of it is written.
          await assert.rejects(
            probe.heartbeat("probe", {}, [{ id: movedIds[0], entry: "0-1" }]),
            QueueUnavailableError,
          );
        },
      });
      assert.ok(asked, "the job hashes were moved first");
      assert.equal((await cluster.owner(slot)).port, to.port);

      await until(
        "every result",
        async () => (await recorded(link)) >= JOBS ? true : undefined,
        60_000,
      );
      // A new job after the move: submitted, run and recorded on the new master.
      const after = await call(`${a.url}/jobs?wait=10000`, {
        json: { task: "echo", input: "after" },
      });
      assert.equal(after.body.status, "succeeded", JSON.stringify(after.body));
      assert.equal(await recorded(link), JOBS + 1);
      const states = await Promise.all(
        ids.map((id) => link.send(["HMGET", keys.job(id), "status", "result"])),
      );
      states.forEach((s, n) => assert.deepEqual(s, ["succeeded", String(n)], `job ${n}`));
      const runs = starts(readFileSync(log, "utf8"));
      for (let n = 0; n < JOBS; n++) assert.ok((runs.get(n) ?? 0) >= 1, `job ${n} never ran`);

      const grown = (await Promise.all(cluster.nodes.map(errors))).map((e, i) => {
        const was = before[i];
        const d: Record<string, number> = {};
        for (const k of new Set([...Object.keys(e), ...Object.keys(was)])) {
          d[k] = (e[k] ?? 0) - (was[k] ?? 0);
        }
        return d;
      });
      const at = (node: ClusterNode) => grown[cluster.nodes.indexOf(node)];
      assert.ok(asks >= 30, `${asks} ASK answered to 30 reads of moved jobs`);
      assert.ok(
        (at(from).MOVED ?? 0) > 0,
        `no MOVED from the old master: ${JSON.stringify(grown)}`,
      );
      // No script failed halfway on a key already moved.
      assert.equal(Number(await link.send(["HEXISTS", keys.nodes, "probe"])), 0);
      const halfway = logged.filter((e) => /non local key|Script attempted/.test(String(e)));
      assert.deepEqual(halfway, [], "a script failed on a key already moved");
      // Every key of the queue is on the new master.
      assert.equal(Number(await from.link.send(["CLUSTER", "COUNTKEYSINSLOT", slot])), 0);
      assert.ok(Number(await to.link.send(["CLUSTER", "COUNTKEYSINSLOT", slot])) > JOBS);
    } finally {
      await a.close();
      await b.close();
      await link.close();
      await cluster.close();
    }
  },
);
