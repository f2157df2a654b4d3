// A node renews its claim on the jobs it runs (XCLAIM on its heartbeat), so that a job running
// far longer than the claim threshold is never taken over while its node is alive. Two live
// nodes on a real redis-server, a threshold made small through the options, and a job held
// running for four thresholds.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RedisLink } from "../../redis.ts";
import { call } from "../server/server_helpers.ts";
import { scratch, startNode, until } from "./redis_helpers.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";

const CLAIM_IDLE_MS = 1000;
/** How many thresholds the job runs. */
const THRESHOLDS = 4;
const PREFIX = "renew";

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.close();
});

/** The dispatch entries pending now: [entry id, consumer, idle ms, deliveries]. */
async function pending(link: RedisLink): Promise<[string, string, number, number][]> {
  const rows = (await link.send(["XPENDING", `{${PREFIX}}:dispatch`, "workers", "-", "+", 10])) as [
    string,
    string,
    number,
    number,
  ][];
  return rows.map(([id, consumer, idle, n]) => [id, consumer, Number(idle), Number(n)]);
}

test("a job running four claim thresholds on one of two live nodes is never taken over: it runs once", async () => {
  const dir = scratch();
  const gate = join(dir, "gate");
  const log = join(dir, "log");
  const options = { prefix: PREFIX, claimIdleMs: CLAIM_IDLE_MS, pollMs: 50 };
  const a = await startNode(redis.url, { ...options, nodeId: "node-a" }, {}, 1);
  const b = await startNode(redis.url, { ...options, nodeId: "node-b" }, {}, 1);
  try {
    const link = await redis.link();
    const submitted = await call(`${a.url}/jobs`, { json: { task: "hold", input: { gate, log } } });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const id: string = submitted.body.id;
    const [entry, owner] = await until("the job to be delivered and start", async () => {
      const rows = await pending(link);
      return rows.length === 1 && existsSync(log) ? rows[0] : undefined;
    });
    // Both nodes look for stale claims every half threshold meanwhile; the owner's heartbeat
    // must keep its claim fresh the whole time.
    const started = performance.now();
    let polls = 0;
    while (performance.now() - started < THRESHOLDS * CLAIM_IDLE_MS) {
      const rows = await pending(link);
      assert.equal(rows.length, 1, `one pending entry: ${JSON.stringify(rows)}`);
      const [eid, consumer, , deliveries] = rows[0];
      assert.equal(eid, entry);
      assert.equal(consumer, owner, "the entry moved to another node while its node was alive");
      assert.equal(deliveries, 1, "the entry was claimed again (delivered more than once)");
      const node = await link.send(["HGET", `{${PREFIX}}:job:${id}`, "node"]);
      assert.equal(node, owner);
      polls++;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(polls >= 10, `only ${polls} polls`);
    writeFileSync(gate, "");
    const done = await call(`${b.url}/jobs/${id}?wait=10000`);
    assert.equal(done.body.status, "succeeded", JSON.stringify(done.body));
    assert.equal(done.body.result, "released");
    assert.equal(done.body.attempts, 1);
    // The task ran exactly once, on one node.
    assert.equal(readFileSync(log, "utf8").split("\n").filter(Boolean).length, 1);
    assert.deepEqual(await pending(link), []);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
