// HTTPS webhooks: the connection is pinned to the checked address, yet TLS still speaks to the
// name (SNI) and verifies the receiver's certificate for it. The SNI is read from the raw
// ClientHello (Bun's TLS server has no SNICallback); the certificate check is made against a
// real HTTPS receiver with a self-signed certificate for hooks.test, which must be refused.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import { test } from "node:test";
import type { AddressInfo } from "node:net";
import { allowList } from "../../src/webhooks/address_policy.ts";
import { webhookSender } from "../../src/webhooks/webhook_sender.ts";
import { webhookSigner } from "../../src/webhooks/webhook_signer.ts";
import { newSecret } from "./receiver.ts";

const job = { id: "j1", task: "echo", status: "succeeded" as const, attempts: 1, submittedAt: "" };
const fixtures = new URL("../fixtures/webhooks/", import.meta.url);

/** The server name of a TLS ClientHello, or undefined. */
function serverName(hello: Uint8Array): string | undefined {
  const view = new DataView(hello.buffer, hello.byteOffset, hello.byteLength);
  if (hello[0] !== 0x16 || hello[5] !== 0x01) return undefined;
  let p = 9 + 2 + 32; // record and handshake headers, version, random
  p += 1 + hello[p]; // session id
  p += 2 + view.getUint16(p); // cipher suites
  p += 1 + hello[p]; // compression methods
  const end = p + 2 + view.getUint16(p);
  for (p += 2; p + 4 <= end;) {
    const type = view.getUint16(p);
    const size = view.getUint16(p + 2);
    if (type === 0) {
      const length = view.getUint16(p + 7);
      return new TextDecoder().decode(hello.subarray(p + 9, p + 9 + length));
    }
    p += 4 + size;
  }
  return undefined;
}

async function sender() {
  return webhookSender({
    sign: await webhookSigner([newSecret()]),
    allow: allowList(["127.0.0.1"]),
    timeoutMs: 5000,
    resolve: () => Promise.resolve(["127.0.0.1"]),
  });
}

test("an HTTPS attempt pinned to the checked address sends the name as SNI", async () => {
  const names: (string | undefined)[] = [];
  const server = net.createServer((socket) => {
    socket.once("data", (d: Uint8Array) => {
      names.push(serverName(d));
      socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as AddressInfo).port;
    const send = await sender();
    const url = `https://hooks.test:${port}/h`;
    const r = await send({ id: "j1", url, attempt: 1, job }, new AbortController().signal);
    assert.equal(r.ok, false);
    assert.deepEqual(names, ["hooks.test"]);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("an HTTPS receiver's certificate is verified: a self-signed one is refused", async () => {
  let answered = 0;
  const server = https.createServer({
    key: readFileSync(new URL("hooks_test.key", fixtures)),
    cert: readFileSync(new URL("hooks_test.crt", fixtures)),
  }, (_req, res) => {
    answered++;
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as AddressInfo).port;
    const send = await sender();
    const url = `https://hooks.test:${port}/h`;
    const r = await send({ id: "j1", url, attempt: 1, job }, new AbortController().signal);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : "", /self[- ]signed certificate/);
    assert.equal(answered, 0);
  } finally {
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
