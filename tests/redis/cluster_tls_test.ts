// A Redis Cluster on TLS only (clients and the cluster bus; a private CA made with openssl), as
// managed Redis offers it: `rediss://<any node>` with the CA finds the cluster, and the
// connections the cluster client opens to the nodes it discovers use TLS and that CA too.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connectRedis } from "../../redis.ts";
import { redisKeys } from "../../src/redis/redis_keys.ts";
import { call } from "../server/server_helpers.ts";
import { hashSlot } from "./hash_slot.ts";
import { startCluster } from "./redis_cluster.ts";
import { startNode } from "./redis_helpers.ts";
import { makeCerts } from "./redis_tls.ts";
import { readFileSync } from "node:fs";

test(
  "Redis Cluster on TLS: rediss://<a node that does not own the queue's slot> with the CA works",
  {
    timeout: 60_000,
  },
  async () => {
    const certs = mkdtempSync(join(tmpdir(), "workloom-certs-"));
    await makeCerts(certs);
    const ca = readFileSync(join(certs, "ca.crt"), "utf8");
    const cluster = await startCluster(3, 0, { tls: { certs, ca } });
    try {
      const keys = redisKeys("tlsq");
      const owner = await cluster.owner(hashSlot(keys.prefix));
      const other = cluster.nodes.find((n) => n !== owner)!;
      assert.match(other.url, /^rediss:\/\//);
      const link = await connectRedis(other.url, { onError: () => {}, ca });
      assert.equal(link.kind, "cluster");
      await link.close();
      const a = await startNode(other.url, { prefix: "tlsq", ca });
      const b = await startNode(other.url, { prefix: "tlsq", ca });
      try {
        const r = await call(`${a.url}/jobs?wait=10000`, { json: { task: "echo", input: "tls" } });
        assert.equal(r.body.result, "tls", JSON.stringify(r.body));
        // Read through another node: its events and lookups reach the owner over TLS too.
        const read = await call(`${b.url}/jobs/${r.body.id}`);
        assert.equal(read.body.result, "tls");
        assert.equal(Number(await owner.link.send(["EXISTS", keys.job(r.body.id)])), 1);
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await cluster.close();
      rmSync(certs, { recursive: true, force: true });
    }
  },
);
