// Webhooks at shutdown, in-memory store: close() with a drain keeps delivering what the process
// alone holds until the drain's end (a retry included), and what is still not over by then is
// dropped with one log line that counts it and names its jobs. A real server on loopback and a
// real receiver; each test synchronises on what the receiver got, never on a sleep.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import type { ServerOptions } from "../../server.ts";
import { call, startServer } from "../server/server_helpers.ts";
import { type Answer, newSecret, startReceiver } from "./receiver.ts";

const LONG = { timeout: 60_000 };

/** A memory server with webhooks to loopback, its log lines kept. */
async function start(options: ServerOptions) {
  const logged: string[] = [];
  const server = await startServer({
    webhookAllow: ["127.0.0.1"],
    webhookBackoffMs: 50,
    log: (e) => logged.push(e instanceof Error ? e.message : String(e)),
    ...options,
  });
  return { ...server, logged };
}

/** The job as GET /jobs/:id shows it. */
async function job(url: string, id: string) {
  return (await call(`${url}/jobs/${id}`)).body;
}

/** Waits (on the job's own state, checked every 10 ms) until `check` holds, at most 20 s. */
async function waitFor(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  const end = performance.now() + 20_000;
  while (!(await check())) {
    if (performance.now() > end) assert.fail(`${what} did not happen within 20 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function submit(url: string, body: Record<string, unknown>): Promise<string> {
  const r = await call(`${url}/jobs`, { json: body });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.id;
}

test(
  "close() with a drain delivers the webhook of a job that ends during it, retry included",
  LONG,
  async () => {
    const secret = newSecret();
    // 503 first: the delivery needs a second attempt, after the backoff, inside the drain.
    const receiver = await startReceiver((n): Answer => (n === 1 ? 503 : 200));
    const server = await start({ webhookSecrets: [secret] });
    const dir = mkdtempSync(join(tmpdir(), "workloom-webhook-drain-"));
    try {
      const gate = join(dir, "gate");
      const id = await submit(server.url, {
        task: "gated",
        input: { gate, value: 7 },
        webhook: { url: receiver.url },
      });
      await waitFor(
        "the job running",
        async () => (await job(server.url, id)).status === "running",
      );
      writeFileSync(gate, "");
      await server.server.close({ timeoutMs: 20_000 });
      assert.equal(receiver.received.length, 2, "the first attempt and its retry, before close()");
      const payload = new Webhook(secret).verify(
        receiver.received[1].body,
        receiver.received[1].headers,
      );
      assert.equal((payload as { id: string; result: number }).id, id);
      assert.equal((payload as { result: number }).result, 7);
      assert.deepEqual(server.logged, [], "nothing dropped");
    } finally {
      await server.close();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "a delivery still in flight at the drain's end is dropped, counted and named in the log",
  LONG,
  async () => {
    const receiver = await startReceiver(() => "hang");
    const server = await start({ webhookSecrets: [newSecret()] });
    try {
      const id = await submit(server.url, {
        task: "echo",
        input: 1,
        webhook: { url: receiver.url },
      });
      await waitFor("the attempt reaching the receiver", () => receiver.received.length === 1);
      const t0 = performance.now();
      await server.server.close({ timeoutMs: 300 });
      const ms = performance.now() - t0;
      // It waited for the attempt (the drain's 300 ms), and not for the attempt's 10 s deadline.
      assert.ok(ms >= 250 && ms < 5000, `close() took ${ms} ms`);
      assert.equal(server.logged.length, 1, server.logged.join("\n"));
      assert.match(server.logged[0], new RegExp(`1 webhook delivery dropped at shutdown.*${id}`));
    } finally {
      await server.close();
      await receiver.close();
    }
  },
);

test(
  "a delivery whose retry falls after the drain's end is dropped at once, not waited for",
  LONG,
  async () => {
    const receiver = await startReceiver(() => 503);
    const server = await start({ webhookSecrets: [newSecret()], webhookBackoffMs: 60_000 });
    try {
      const id = await submit(server.url, {
        task: "echo",
        input: 1,
        webhook: { url: receiver.url },
      });
      await waitFor(
        "the first attempt recorded",
        async () => (await job(server.url, id)).webhook?.attempts === 1,
      );
      // A drain of 5 s, the bound the close is held to: a close that waits for the retry lasts
      // the whole drain and fails the bound (in 5 s rather than the 10 of a longer drain).
      const t0 = performance.now();
      await server.server.close({ timeoutMs: 5_000 });
      const ms = performance.now() - t0;
      assert.ok(ms < 5000, `close() waited ${ms} ms for a retry due in 60 s`);
      assert.equal(receiver.received.length, 1);
      assert.equal(server.logged.length, 1, server.logged.join("\n"));
      assert.match(
        server.logged[0],
        new RegExp(`1 webhook delivery dropped at shutdown.*${id}.*HTTP 503`),
      );
    } finally {
      await server.close();
      await receiver.close();
    }
  },
);
