// One attempt, below the server: the connection goes to the address that was checked, not to
// whatever a second resolution would answer (DNS rebinding), and the Host header keeps the name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import { allowList } from "../../src/webhooks/address_policy.ts";
import { webhookSender } from "../../src/webhooks/webhook_sender.ts";
import { webhookSigner } from "../../src/webhooks/webhook_signer.ts";
import { newSecret, startReceiver } from "./receiver.ts";

const job = { id: "j1", task: "echo", status: "succeeded" as const, attempts: 1, submittedAt: "" };

test("an attempt connects to the checked address, whatever the name would resolve to later", async () => {
  const receiver = await startReceiver();
  const secret = newSecret();
  const resolved: string[] = [];
  const send = webhookSender({
    sign: await webhookSigner([secret]),
    allow: allowList(["127.0.0.1"]),
    timeoutMs: 5000,
    // The check's resolver answers loopback for a name the system resolver does not know: a
    // connection that resolved the name again would fail (ENOTFOUND) instead of arriving.
    resolve: (host) => {
      resolved.push(host);
      return Promise.resolve(["127.0.0.1"]);
    },
  });
  try {
    const url = `http://rebind.invalid:${receiver.port}/hook?x=1`;
    const r = await send({ id: "j1", url, attempt: 1, job }, new AbortController().signal);
    assert.deepEqual(r, { ok: true, status: 200 });
    assert.deepEqual(resolved, ["rebind.invalid"]);
    const got = receiver.received[0];
    assert.equal(got.headers.host, `rebind.invalid:${receiver.port}`);
    assert.equal(got.path, "/hook?x=1");
    assert.deepEqual(new Webhook(secret).verify(got.body, got.headers), job);
  } finally {
    await receiver.close();
  }
});

test("a name with any refused address is refused, even when another is allowed", async () => {
  const receiver = await startReceiver();
  const send = webhookSender({
    sign: await webhookSigner([newSecret()]),
    allow: allowList(["127.0.0.1"]),
    timeoutMs: 5000,
    resolve: () => Promise.resolve(["127.0.0.1", "10.0.0.7"]),
  });
  try {
    const url = `http://two.invalid:${receiver.port}/`;
    const r = await send({ id: "j1", url, attempt: 1, job }, new AbortController().signal);
    assert.deepEqual(r, {
      ok: false,
      refused: true,
      reason: "refused: 10.0.0.7 is not a public address",
    });
    assert.equal(receiver.connections, 0);
  } finally {
    await receiver.close();
  }
});
