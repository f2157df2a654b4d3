// The two-node tests (a Deno and a Bun node process: a node killed with kill -9 and its runs
// taken over, fairness across nodes, the dead-letter stream) on a real three-master Redis
// Cluster, started once for the file and emptied between tests: see two_nodes_suite.ts.
import { after } from "node:test";
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
