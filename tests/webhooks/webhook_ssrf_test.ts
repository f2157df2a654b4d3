// No server-side request forgery: each forbidden address form is refused with a reason on the
// job, and a listener on that address sees no connection at all. On both stores, through the
// real server; the forms are those that reach loopback, the link-local metadata address and
// "this host", written as names, decimal, hex, octal, IPv6 and IPv4-mapped IPv6.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ServerOptions } from "../../server.ts";
import { call, startServer } from "../server/server_helpers.ts";
import { startNode, until } from "../redis/redis_helpers.ts";
import { type RedisServer, startRedis } from "../redis/redis_server.ts";
import { newSecret, type Receiver, startReceiver } from "./receiver.ts";

const LONG = { timeout: 60_000 };
let redis: RedisServer;
let v4: Receiver;
let v6: Receiver | undefined;

before(async () => {
  redis = await startRedis();
  v4 = await startReceiver();
  // IPv6 loopback may be missing on a build machine: then only the IPv4 listener counts.
  v6 = await startReceiver(() => 200, "::1").catch(() => undefined);
});
after(async () => {
  await v4.close();
  await v6?.close();
  await redis.close();
});

function start(store: "memory" | "redis", options: ServerOptions) {
  const o = { webhookSecrets: [newSecret()], ...options };
  if (store === "memory") return startServer(o);
  return startNode(redis.url, { prefix: `ssrf-${store}-${crypto.randomUUID()}`, pollMs: 50 }, o);
}

/** Every way of writing a forbidden address that the test can listen on (or never reach). */
function forms(): string[] {
  const p = v4.port;
  const list = [
    `http://2130706433:${p}/h`,
    `http://0x7f.1:${p}/h`,
    `http://017700000001:${p}/h`,
    `http://127.1:${p}/h`,
    `http://[::ffff:127.0.0.1]:${p}/h`,
    `http://0.0.0.0:${p}/h`,
    `http://localhost:${p}/h`,
    `http://127.0.0.1:${p}/h`,
    `http://169.254.169.254:${p}/latest/meta-data/`,
    `http://10.0.0.1:${p}/h`,
    `http://[fe80::1]:${p}/h`,
  ];
  list.push(`http://[::1]:${v6?.port ?? p}/h`);
  return list;
}

async function refusedAll(url: string, hooks: string[]) {
  const ids: string[] = [];
  for (const hook of hooks) {
    const r = await call(`${url}/jobs`, {
      json: { task: "echo", input: 1, webhook: { url: hook } },
    });
    assert.equal(r.status, 202, `${hook}: ${JSON.stringify(r.body)}`);
    ids.push(r.body.id);
  }
  for (const [i, id] of ids.entries()) {
    const job = await until(`the delivery to ${hooks[i]} to end`, async () => {
      const j = (await call(`${url}/jobs/${id}`)).body;
      return j.webhook?.status === "pending" ? undefined : j;
    });
    assert.equal(job.webhook.status, "failed", hooks[i]);
    assert.equal(job.webhook.attempts, 1, `${hooks[i]}: a refusal is not retried`);
    assert.match(job.webhook.lastError, /^refused: \S+ is not a public address$/, hooks[i]);
  }
}

for (const store of ["memory", "redis"] as const) {
  test(
    `${store}: without an allow-list every non-public form is refused, and nothing connects`,
    LONG,
    async () => {
      const server = await start(store, {});
      try {
        const hooks = forms();
        await refusedAll(server.url, hooks);
        assert.equal(v4.connections, 0);
        assert.equal(v6?.connections ?? 0, 0);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, new RegExp(`outcome="refused"\\} ${hooks.length}\\b`));
      } finally {
        await server.close();
      }
    },
  );

  test(
    `${store}: an allow-list calls only what it lists: 10.0.0.0/8 does not let loopback in`,
    LONG,
    async () => {
      const server = await start(store, { webhookAllow: ["10.0.0.0/8", "hooks.example.com"] });
      try {
        await refusedAll(server.url, forms().filter((f) => !f.includes("10.0.0.1")));
        assert.equal(v4.connections, 0);
        assert.equal(v6?.connections ?? 0, 0);
      } finally {
        await server.close();
      }
    },
  );
}
