// `serve --queue-ca <file>`: read once at start-up, passed to the Redis queue as PEM text, and
// refused with an error that names the flag and the file when it cannot serve.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readServeSettings } from "../../src/cli/serve.ts";
import type { ReadResult } from "../../src/adapter/types.ts";
import { redisQueue } from "../../redis.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const noEnv = () => undefined;
const files = (map: Record<string, string>) => (path: string): ReadResult =>
  path in map ? { ok: true, text: map[path] } : { ok: false, reason: "missing" };
const args = (queue: string, ca: string) => ["--tasks", "t.ts", "--queue", queue, "--queue-ca", ca];

test("--queue-ca reads the CA file for a rediss:// queue", () => {
  const s = readServeSettings(args("rediss://u:p@10.0.0.1:6380", "/ca.pem"), noEnv, {
    readFile: files({ "/ca.pem": PEM }),
  });
  assert.ok(s !== "help");
  assert.equal(s.queueCa, PEM);
});

test("--queue-ca is refused without rediss://, unreadable, or without a certificate", () => {
  const read = { readFile: files({ "/ca.pem": PEM, "/key.pem": "-----BEGIN PRIVATE KEY-----" }) };
  assert.throws(
    () => readServeSettings(args("redis://10.0.0.1:6379", "/ca.pem"), noEnv, read),
    /--queue-ca needs a rediss:\/\/ --queue: got --queue-ca "\/ca.pem"/,
  );
  assert.throws(
    () => readServeSettings(args("rediss://10.0.0.1:6380", "/nope.pem"), noEnv, read),
    /--queue-ca "\/nope.pem" cannot be read \(missing\)/,
  );
  assert.throws(
    () => readServeSettings(args("rediss://10.0.0.1:6380", "/key.pem"), noEnv, read),
    /--queue-ca "\/key.pem" holds no PEM certificate/,
  );
});

test("redisQueue's ca must be PEM text and needs rediss://", () => {
  assert.throws(() => redisQueue("rediss://10.0.0.1:6380", { ca: "/ca.pem" }), TypeError);
  assert.throws(
    () => redisQueue("redis://10.0.0.1:6379", { ca: PEM }),
    /'ca' needs a rediss:\/\/ url/,
  );
  assert.equal(redisQueue("rediss://10.0.0.1:6380", { ca: PEM }).name, "redis");
});
