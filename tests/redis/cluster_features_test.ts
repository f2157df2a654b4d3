// Webhooks (issue 26), schedules and rate limits (issue 25) on a real three-master Redis
// Cluster: their scripts declare their keys and live in the queue's hash slot (issue 21), so a
// delivery, a schedule's ticks and a key's rate limit work as on one redis-server, and every key
// they write is on the master of the queue's slot and on no other.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { redisKeys } from "../../src/redis/redis_keys.ts";
import { call } from "../server/server_helpers.ts";
import { newSecret, startReceiver } from "../webhooks/receiver.ts";
import { hashSlot } from "./hash_slot.ts";
import { startNode, until } from "./redis_helpers.ts";
import { type RedisCluster, startCluster } from "./redis_cluster.ts";

let cluster: RedisCluster;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster.close();
});

/** Every key the queue `name` wrote is on the master of its slot, and none on another. */
async function keysOnOwner(name: string): Promise<string[]> {
  const keys = redisKeys(name);
  const owner = await cluster.owner(hashSlot(keys.prefix));
  for (const other of cluster.nodes.filter((n) => n !== owner)) {
    const stray = await other.link.send(["SCAN", 0, "MATCH", `${keys.prefix}*`, "COUNT", 10000]);
    assert.deepEqual((stray as [string, string[]])[1], [], `queue ${name} on ${other.port}`);
  }
  const here = await owner.link.send(["SCAN", 0, "MATCH", `${keys.prefix}*`, "COUNT", 10000]);
  return (here as [string, string[]])[1];
}

test("Redis Cluster: a job's webhook is delivered once, signed, and its delivery kept in the queue's slot", async () => {
  const receiver = await startReceiver();
  let id = "";
  const node = await startNode(cluster.url, { prefix: "hooks", pollMs: 50 }, {
    webhookAllow: ["127.0.0.1"],
    webhookSecrets: [newSecret()],
  });
  try {
    const sent = await call(`${node.url}/jobs?wait=10000`, {
      json: { task: "echo", input: 1, webhook: { url: receiver.url } },
    });
    id = sent.body.id;
    assert.equal(sent.body.status, "succeeded", JSON.stringify(sent.body));
    const job = await until("the delivery", async () => {
      const r = await call(`${node.url}/jobs/${sent.body.id}`);
      return r.body.webhook?.status === "delivered" ? r.body : undefined;
    });
    assert.equal(job.webhook.attempts, 1);
    assert.equal(receiver.received.length, 1);
    assert.equal(receiver.received[0].headers["webhook-id"], sent.body.id);
  } finally {
    await node.close();
    await receiver.close();
  }
  // The delivery's state is in the job's hash (the hooks set is empty once it is over).
  assert.ok((await keysOnOwner("hooks")).includes(redisKeys("hooks").job(id)), "the job's hash");
});

test("Redis Cluster: an every-second schedule fires one job per tick, its runs kept in the queue's slot", async () => {
  const node = await startNode(cluster.url, { prefix: "sched", pollMs: 50 }, {
    schedulePollMs: 100,
  });
  try {
    const made = await call(`${node.url}/schedules`, {
      json: { id: "tick", everyMs: 1000, task: "echo", input: "t" },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const runs = await until("two ticks", async () => {
      const s = (await call(`${node.url}/schedules`)).body.schedules[0];
      return s.lastRuns.length >= 2 ? s.lastRuns : undefined;
    });
    const ids = runs.map((r: { jobId?: string }) => r.jobId);
    assert.ok(ids.every((id: string | undefined) => typeof id === "string"), JSON.stringify(runs));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) {
      const r = await call(`${node.url}/jobs/${id}?wait=10000`);
      assert.equal(r.body.status, "succeeded");
    }
  } finally {
    await node.close();
  }
  const keys = redisKeys("sched");
  const here = await keysOnOwner("sched");
  for (const k of [keys.schedules, keys.schedDue, keys.sched("tick"), keys.schedRuns("tick")]) {
    assert.ok(here.includes(k), `${k} on the owner of the slot`);
  }
});

test("Redis Cluster: a key limited to one start per second starts its jobs a second apart (Redis time)", async () => {
  const node = await startNode(cluster.url, { prefix: "rate", pollMs: 50 }, {
    keyRateLimits: { A: { max: 1, windowMs: 1000 } },
  });
  try {
    const sent = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${node.url}/jobs`, {
        json: { task: "echo", input: i, concurrencyKey: "A" },
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      sent.push(r.body.id);
    }
    const starts: number[] = [];
    for (const id of sent) {
      const r = await call(`${node.url}/jobs/${id}?wait=10000`);
      assert.equal(r.body.status, "succeeded");
      starts.push(Date.parse(r.body.startedAt));
    }
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) {
      assert.ok(starts[i] - starts[i - 1] >= 1000, `starts ${starts.join(", ")}`);
    }
  } finally {
    await node.close();
  }
  const keys = redisKeys("rate");
  assert.ok((await keysOnOwner("rate")).includes(keys.rate("A")), "the window on the owner");
});
