// The Redis queue's suite on a real three-master Redis Cluster (started once for the file):
// `--queue redis://<one node>` finds the cluster, every queue is one hash slot, and queues
// named differently spread over the masters.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { connectRedis } from "../../redis.ts";
import { redisKeys } from "../../src/redis/redis_keys.ts";
import { hashSlot } from "./hash_slot.ts";
import { queueSuite } from "./queue_suite.ts";
import { startNode } from "./redis_helpers.ts";
import { call } from "../server/server_helpers.ts";
import { type RedisCluster, startCluster } from "./redis_cluster.ts";

let cluster: RedisCluster | undefined;
const prefixes: string[] = [];
queueSuite("Redis Cluster: ", async () => (cluster = await startCluster()), prefixes);

test("Redis Cluster: each queue's keys are all on the master of its slot, and the queues spread over the masters", async () => {
  assert.ok(prefixes.length >= 8, `${prefixes.length} queues`);
  const masters = new Set<number>();
  for (const p of prefixes) {
    const keys = redisKeys(p);
    const slot = hashSlot(keys.prefix);
    const owner = await cluster!.owner(slot);
    masters.add(owner.port);
    // Everything the queue wrote is on that master, in that slot, and on no other.
    const here = Number(await owner.link.send(["CLUSTER", "COUNTKEYSINSLOT", slot]));
    assert.ok(here >= 1, `queue ${p}: ${here} keys in slot ${slot}`);
    for (const other of cluster!.nodes.filter((n) => n !== owner)) {
      const stray = await other.link.send(["SCAN", 0, "MATCH", `${keys.prefix}*`, "COUNT", 10000]);
      assert.deepEqual((stray as [string, string[]])[1], [], `queue ${p} on ${other.port}`);
    }
  }
  assert.ok(masters.size >= 2, `${prefixes.length} queues on ${masters.size} master(s)`);
});

test("Redis Cluster: a link to any node talks to the whole cluster (MOVED followed)", async () => {
  const keys = redisKeys(prefixes[0]);
  const owner = await cluster!.owner(hashSlot(keys.prefix));
  const elsewhere = cluster!.nodes.find((n) => n !== owner)!;
  const link = await connectRedis(elsewhere.url, { onError: () => {} });
  try {
    assert.equal(link.kind, "cluster");
    assert.ok(Number(await link.send(["ZCARD", keys.jobs])) > 0);
    // The node in the URL itself answers MOVED for that key.
    await assert.rejects(elsewhere.link.send(["ZCARD", keys.jobs]), /MOVED/);
  } finally {
    await link.close();
  }
});

test("Redis Cluster: as the ACL user of docs/redis.md with its cluster additions, the queue works and Redis denies nothing", async () => {
  const docs = readFileSync(new URL("../../docs/redis.md", import.meta.url), "utf8");
  const line = /^ACL SETUSER workloom .*$/m.exec(docs)![0].split(" ").slice(2);
  const extra = /On a cluster add\s+`([^`]+)`/.exec(docs)![1].split(" ");
  const acl = [...line, ...extra].map((w) => (w === ">change-me" ? ">pw-cl" : w));
  for (const n of cluster!.nodes) {
    assert.equal(await n.link.send(["ACL", "SETUSER", ...acl]), "OK");
    await n.link.send(["ACL", "LOG", "RESET"]);
  }
  const url = cluster!.url.replace("redis://", "redis://workloom:pw-cl@");
  const node = await startNode(url, {});
  try {
    const r = await call(`${node.url}/jobs?wait=10000`, { json: { task: "echo", input: "acl" } });
    assert.equal(r.body.result, "acl", JSON.stringify(r.body));
    assert.equal((await call(`${node.url}/jobs`)).status, 200);
  } finally {
    await node.close();
  }
  for (const n of cluster!.nodes) {
    assert.deepEqual(await n.link.send(["ACL", "LOG"]), [], `denied on ${n.port}`);
  }
});
