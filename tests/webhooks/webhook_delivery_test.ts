// Completion webhooks on both stores, on a real server over loopback: the receiver (a real HTTP
// server, allowed with webhookAllow: ["127.0.0.1"]) verifies every signature with the
// `standardwebhooks` package, during a rotation too; a 500 then a 200 shows the retry; a
// hanging receiver is cut at the deadline; a redirect is not followed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Webhook } from "standardwebhooks";
import type { ServerOptions } from "../../server.ts";
import { call, startServer } from "../server/server_helpers.ts";
import { startNode, until } from "../redis/redis_helpers.ts";
import { type RedisServer, startRedis } from "../redis/redis_server.ts";
import { newSecret, type Receiver, startReceiver } from "./receiver.ts";

const LONG = { timeout: 60_000 };
let redis: RedisServer;
let prefixes = 0;

before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.close();
});

/** A server on `store` with webhooks to loopback allowed. */
function start(store: "memory" | "redis", options: ServerOptions) {
  const o = { webhookAllow: ["127.0.0.1"], webhookBackoffMs: 50, ...options };
  if (store === "memory") return startServer(o);
  return startNode(redis.url, { prefix: `wh${++prefixes}`, pollMs: 50 }, o);
}

/** Submits an echo job to `url` with `hook` as its webhook and waits for the delivery to end. */
async function deliver(url: string, hook: string | undefined, value: unknown = 1, waitMs = 30_000) {
  const body = { task: "echo", input: value, ...(hook ? { webhook: { url: hook } } : {}) };
  const r = await call(`${url}/jobs`, { json: body });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return await until("the delivery to end", async () => {
    const j = await call(`${url}/jobs/${r.body.id}`);
    const s = j.body.webhook?.status;
    return s === "delivered" || s === "failed" ? j.body : undefined;
  }, waitMs);
}

function verifies(secret: string, received: Receiver["received"][number]): unknown {
  return new Webhook(secret).verify(received.body, received.headers);
}

for (const store of ["memory", "redis"] as const) {
  test(
    `${store}: each delivery is signed with every secret, so both sides of a rotation verify it`,
    LONG,
    async () => {
      const [oldSecret, newSecret_] = [newSecret(), newSecret()];
      const receiver = await startReceiver();
      const server = await start(store, { webhookSecrets: [oldSecret, newSecret_] });
      try {
        const job = await deliver(server.url, receiver.url, { n: 7 });
        assert.deepEqual(job.webhook, { url: receiver.url, status: "delivered", attempts: 1 });
        assert.equal(receiver.received.length, 1);
        const got = receiver.received[0];
        // Either secret alone verifies: the receiver may hold the old one or the new one.
        const payload = verifies(oldSecret, got) as Record<string, unknown>;
        assert.deepEqual(verifies(newSecret_, got), payload);
        assert.throws(() => verifies(newSecret(), got), /signature/i);
        // The body tampered with fails too.
        assert.throws(() => verifies(oldSecret, { ...got, body: got.body.replace("7", "8") }));
        assert.equal(got.headers["webhook-id"], job.id);
        const { webhook: _, ...sent } = job;
        assert.deepEqual(payload, sent);
        assert.equal(payload.status, "succeeded");
        assert.deepEqual(payload.result, { n: 7 });
      } finally {
        await server.close();
        await receiver.close();
      }
    },
  );

  test(
    `${store}: a receiver answering 500 then 200 sees the retry, with the same webhook-id`,
    LONG,
    async () => {
      const secret = newSecret();
      const receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
      const server = await start(store, { webhookSecrets: [secret] });
      try {
        const job = await deliver(server.url, receiver.url);
        assert.equal(job.webhook.status, "delivered");
        assert.equal(job.webhook.attempts, 2);
        assert.equal(job.webhook.lastError, undefined);
        assert.equal(receiver.received.length, 2);
        const ids = receiver.received.map((r) => r.headers["webhook-id"]);
        assert.deepEqual(ids, [job.id, job.id]);
        for (const r of receiver.received) verifies(secret, r);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /workloom_webhook_deliveries_total\{outcome="retried"\} 1/);
        assert.match(metrics, /workloom_webhook_deliveries_total\{outcome="delivered"\} 1/);
      } finally {
        await server.close();
        await receiver.close();
      }
    },
  );

  test(
    `${store}: attempts are bounded: a receiver always answering 503 fails the delivery`,
    LONG,
    async () => {
      const receiver = await startReceiver(() => 503);
      const server = await start(store, { webhookSecrets: [newSecret()], webhookAttempts: 3 });
      try {
        const job = await deliver(server.url, receiver.url);
        assert.deepEqual(job.webhook, {
          url: receiver.url,
          status: "failed",
          attempts: 3,
          lastError: "HTTP 503",
        });
        assert.equal(receiver.received.length, 3);
      } finally {
        await server.close();
        await receiver.close();
      }
    },
  );

  test(`${store}: a receiver that hangs is cut at the attempt's deadline`, LONG, async () => {
    const receiver = await startReceiver(() => "hang");
    const server = await start(store, {
      webhookSecrets: [newSecret()],
      webhookTimeoutMs: 300,
      webhookAttempts: 1,
    });
    try {
      // Ten times the 300 ms deadline, ample on a loaded machine: without the deadline this
      // fails in 3 s.
      const job = await deliver(server.url, receiver.url, 1, 3_000);
      assert.equal(job.webhook.status, "failed");
      assert.equal(job.webhook.lastError, "no answer within 300 ms");
      assert.equal(receiver.received.length, 1);
    } finally {
      await server.close();
      await receiver.close();
    }
  });

  test(`${store}: a redirect is not followed`, LONG, async () => {
    const target = await startReceiver();
    const receiver = await startReceiver(() => ({
      status: 307,
      headers: { location: target.url },
    }));
    const server = await start(store, { webhookSecrets: [newSecret()], webhookAttempts: 1 });
    try {
      const job = await deliver(server.url, receiver.url);
      assert.equal(job.webhook.status, "failed");
      assert.equal(job.webhook.lastError, "HTTP 307: redirects are not followed");
      assert.equal(receiver.received.length, 1);
      assert.equal(target.connections, 0);
    } finally {
      await server.close();
      await receiver.close();
      await target.close();
    }
  });

  test(`${store}: the server's webhookUrl is every job's default`, LONG, async () => {
    const receiver = await startReceiver();
    const server = await start(store, { webhookSecrets: [newSecret()], webhookUrl: receiver.url });
    try {
      const job = await deliver(server.url, undefined);
      assert.equal(job.webhook.status, "delivered");
      assert.equal(receiver.received[0].headers["webhook-id"], job.id);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
}

test("a job naming a webhook on a server without secrets answers 400 webhooks_off", async () => {
  const server = await startServer({});
  try {
    const r = await call(`${server.url}/jobs`, {
      json: { task: "echo", input: 1, webhook: { url: "https://example.com/h" } },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "webhooks_off");
    const bad = await startServer({ webhookSecrets: [newSecret()] });
    try {
      const r2 = await call(`${bad.url}/jobs`, {
        json: { task: "echo", input: 1, webhook: { url: "file:///etc/passwd" } },
      });
      assert.equal(r2.status, 400);
      assert.match(r2.body.error.message, /^webhook\.url: must be an http or https URL/);
    } finally {
      await bad.close();
    }
  } finally {
    await server.close();
  }
});

test("memory: attempts in flight and deliveries waiting are bounded", LONG, async () => {
  const receiver = await startReceiver(() => "hang");
  const server = await startServer({
    webhookSecrets: [newSecret()],
    webhookAllow: ["127.0.0.1"],
    webhookConcurrency: 1,
    webhookMaxPending: 2,
    webhookTimeoutMs: 60_000,
  });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${server.url}/jobs?wait=10000`, {
        json: { task: "echo", input: i, webhook: { url: receiver.url } },
      });
      assert.equal(r.body.status, "succeeded");
      ids.push(r.body.id);
    }
    // In memory a final job's delivery is claimed in the same turn as its final state: past
    // this point an unbounded dispatcher would have started every attempt.
    const jobs = await Promise.all(
      ids.map(async (id) => (await call(`${server.url}/jobs/${id}`)).body),
    );
    assert.deepEqual(jobs.map((j) => [j.webhook.status, j.webhook.attempts]), [
      ["pending", 0],
      ["pending", 0],
      ["failed", 0],
    ]);
    assert.match(jobs[2].webhook.lastError, /^not sent: 2 deliveries were waiting/);
    assert.equal(server.server.metrics.read().webhooksInFlight, 1);
    await until("the first attempt to arrive", () => receiver.received[0]);
  } finally {
    await server.close();
    await receiver.close();
  }
});
