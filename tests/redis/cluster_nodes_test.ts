// The two-node tests (a Deno and a Bun node process: a node killed with kill -9 and its runs
// taken over, fairness across nodes, the dead-letter stream) on a real three-master Redis
// Cluster, started once for the file and emptied between tests: see two_nodes_suite.ts. Those
// run under Deno; under Bun, a node process given a master that does not own its queue's slot.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { redisKeys } from "../../src/redis/redis_keys.ts";
import { call } from "../server/server_helpers.ts";
import { hashSlot } from "./hash_slot.ts";
import { startNodeProcess } from "./node_process.ts";
import { connectRedis, type RedisLink } from "../../redis.ts";
import { type RedisCluster, startCluster } from "./redis_cluster.ts";
import { twoNodesSuite } from "./two_nodes_suite.ts";

let cluster: RedisCluster | undefined;
after(async () => {
  await cluster?.close();
});

twoNodesSuite("Redis Cluster: ", async () => {
  cluster ??= await startCluster();
  const c = cluster;
  const links: RedisLink[] = [];
  return {
    url: c.url,
    async link() {
      const l = await connectRedis(c.url, { onError: () => {} });
      links.push(l);
      return l;
    },
    async close() {
      for (const l of links) await l.close({ now: true });
      for (const n of c.nodes) await n.link.send(["FLUSHALL"]);
    },
  };
}, { jobs: 2000, restart: false });

if (typeof (globalThis as { Deno?: unknown }).Deno === "undefined") {
  test("Redis Cluster: a node given any master (not its queue's) serves the queue and is ready", {
    timeout: 60_000,
  }, async () => {
    cluster ??= await startCluster();
    const owner = await cluster.owner(hashSlot(redisKeys("workloom").prefix));
    const other = cluster.nodes.find((n) => n !== owner)!;
    const node = await startNodeProcess("bun", other.url);
    try {
      const done = await call(`${node.url}/jobs?wait=10000`, { json: { task: "echo", input: 7 } });
      assert.equal(done.body.result, 7, JSON.stringify(done.body));
      assert.equal((await call(`${node.url}/readyz`)).status, 200);
      // The job is on the owner of the slot, not on the node in the URL.
      assert.equal(
        Number(await owner.link.send(["EXISTS", redisKeys("workloom").job(done.body.id)])),
        1,
      );
    } finally {
      await node.stop();
      for (const n of cluster.nodes) await n.link.send(["FLUSHALL"]);
    }
  });
}
