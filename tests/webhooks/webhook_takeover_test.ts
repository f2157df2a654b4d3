// A node killed with a delivery in flight leaves it to another node (Redis): the first node, a
// real `workloom serve` process, is SIGKILLed while the receiver holds its attempt open; the
// delivery's lease lapses and a second node delivers it, with the same webhook-id, so the
// receiver can drop the duplicate. At least once, usually once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import { call } from "../server/server_helpers.ts";
import { startNodeProcess } from "../redis/node_process.ts";
import { startNode, until } from "../redis/redis_helpers.ts";
import { startRedis } from "../redis/redis_server.ts";
import { newSecret, startReceiver } from "./receiver.ts";
import { LEASE_MARGIN_MS } from "../../src/webhooks/webhook_dispatcher.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
// The first node's attempt deadline; its claim lapses LEASE_MARGIN_MS after it.
const ATTEMPT_S = 3;
const LEASE_MS = ATTEMPT_S * 1000 + LEASE_MARGIN_MS;

test(
  "a node killed with a delivery in flight leaves it to another node",
  { timeout: 90_000 },
  async () => {
    const redis = await startRedis();
    const secret = newSecret();
    // The first attempt hangs (the node dies holding it); the next is answered.
    const receiver = await startReceiver((n) => (n === 1 ? "hang" : 200));
    const a = await startNodeProcess(isDeno ? "deno" : "bun", redis.url, [
      "--webhook-secret",
      secret,
      "--webhook-allow",
      "127.0.0.1",
      "--webhook-timeout",
      `${ATTEMPT_S}s`,
    ]);
    let b: Awaited<ReturnType<typeof startNode>> | undefined;
    try {
      const r = await call(`${a.url}/jobs`, {
        json: { task: "echo", input: { n: 1 }, webhook: { url: receiver.url } },
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      await until("the first attempt to reach the receiver", () => receiver.received[0]);
      await a.kill();
      assert.equal(a.output().includes(secret), false, "the secret never appears in output");
      b = await startNode(redis.url, { pollMs: 50 }, {
        webhookSecrets: [secret],
        webhookAllow: ["127.0.0.1"],
      });
      // The lease (counted from the first claim, before the kill) plus ample time for the
      // second node's poll and attempt: a delivery nobody holds a lease on never ends, and
      // waiting longer for it would only slow the failure.
      const job = await until("the delivery to end on the other node", async () => {
        const j = (await call(`${b!.url}/jobs/${r.body.id}`)).body;
        return j.webhook?.status === "pending" ? undefined : j;
      }, LEASE_MS + 10_000);
      assert.equal(job.webhook.status, "delivered");
      assert.equal(job.webhook.attempts, 2);
      assert.equal(receiver.received.length, 2);
      for (const got of receiver.received) {
        assert.equal(got.headers["webhook-id"], job.id);
        new Webhook(secret).verify(got.body, got.headers);
      }
    } finally {
      await a.kill();
      await b?.close();
      await receiver.close();
      await redis.close();
    }
  },
);
