// The webhook flags of `workloom serve`: how they are read, and a real server process that signs
// with the secret from WORKLOOM_WEBHOOK_SECRET and never shows it, even when refusing it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import { webhookSettings } from "../../src/cli/serve_webhooks.ts";
import { startServe } from "../fixtures/serve_process.ts";
import { call } from "../server/server_helpers.ts";
import { until } from "../redis/redis_helpers.ts";
import { newSecret, startReceiver } from "../webhooks/receiver.ts";

const LONG = { timeout: 60_000 };

test("webhookSettings reads the flags, the secrets from the environment, and names bad values", () => {
  const none = () => undefined;
  assert.deepEqual(webhookSettings({}, none), {});
  const env = (
    name: string,
  ) => (name === "WORKLOOM_WEBHOOK_SECRET" ? "whsec_a, whsec_b" : undefined);
  assert.deepEqual(webhookSettings({}, env), {
    webhooks: { webhookSecrets: ["whsec_a", "whsec_b"] },
  });
  assert.deepEqual(
    webhookSettings({
      "webhook-secret": "whsec_c",
      "webhook-allow": "127.0.0.1, hooks.example.com",
      "webhook-url": "https://hooks.example.com/h",
      "webhook-timeout": "3s",
      "webhook-attempts": "2",
    }, env).webhooks,
    {
      webhookSecrets: ["whsec_c"],
      webhookAllow: ["127.0.0.1", "hooks.example.com"],
      webhookUrl: "https://hooks.example.com/h",
      webhookTimeoutMs: 3000,
      webhookAttempts: 2,
    },
  );
  assert.throws(
    () => webhookSettings({ "webhook-timeout": "soon" }, none),
    /--webhook-timeout.*soon/,
  );
  assert.throws(() => webhookSettings({ "webhook-attempts": "0" }, none), /--webhook-attempts.*0/);
  // Past createServer's bound for webhookTimeoutMs: refused by the flag's name.
  assert.throws(
    () => webhookSettings({ "webhook-timeout": "11m" }, none),
    /--webhook-timeout must be a duration such as 10s, at most 10m: got "11m"/,
  );
  assert.equal(
    webhookSettings({ "webhook-timeout": "10m" }, none).webhooks?.webhookTimeoutMs,
    600_000,
  );
});

test("a real server signs with WORKLOOM_WEBHOOK_SECRET and shows it nowhere", LONG, async () => {
  const secret = newSecret();
  const receiver = await startReceiver();
  const serve = await startServe(["--webhook-url", receiver.url, "--webhook-allow", "127.0.0.1"], {
    env: { WORKLOOM_WEBHOOK_SECRET: secret },
  });
  try {
    const r = await call(`${serve.url}/jobs`, { json: { task: "echo", input: 5 } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const got = await until("the delivery", () => receiver.received[0]);
    assert.equal(
      (new Webhook(secret).verify(got.body, got.headers) as { result: number }).result,
      5,
    );
    for (const path of ["/metrics", "/openapi.json", `/jobs/${r.body.id}`]) {
      const text = await (await fetch(`${serve.url}${path}`)).text();
      assert.ok(!text.includes(secret.slice(6)), path);
    }
  } finally {
    await serve.kill();
    await receiver.close();
  }
  assert.ok(!`${serve.stdout()}${serve.stderr()}`.includes(secret.slice(6)));
});

test("a malformed secret stops the server with a message that does not show it", LONG, async () => {
  const secret = `whsec_${btoa("short-secret-1234")}`;
  const serve = await startServe(["--webhook-secret", secret], { ready: /must be 24 to 64 bytes/ });
  assert.equal(await serve.exited, 1);
  assert.match(serve.stderr(), /secret 1 of 'webhookSecrets' must be 24 to 64 bytes: it is 17/);
  assert.ok(!serve.stderr().includes(secret.slice(6)), serve.stderr());
});
