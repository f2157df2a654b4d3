// `serve --queue-ca <file>`: read once at start-up, passed to the Redis queue as PEM text, and
// refused with an error that names the flag and the file when it cannot serve; Sentinel URLs
// read, and refused naming the URL (its password hidden) when malformed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readServeSettings } from "../../src/cli/serve_settings.ts";
import type { ReadResult } from "../../src/adapter/types.ts";
import { redisQueue } from "../../redis.ts";
import { parseSentinelUrl } from "../../src/redis/redis_client.ts";

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

test("a redis+sentinel:// URL names the Sentinels, the master and the Redis user", () => {
  assert.deepEqual(
    parseSentinelUrl("redis+sentinel://app:p%40ss@10.0.0.1:26379,10.0.0.2:26380/wl"),
    {
      name: "wl",
      sentinels: [{ host: "10.0.0.1", port: 26379 }, { host: "10.0.0.2", port: 26380 }],
      username: "app",
      password: "p@ss",
    },
  );
  for (const bad of ["redis+sentinel://10.0.0.1:26379", "redis+sentinel://:pw@10.0.0.1/wl"]) {
    assert.throws(() => redisQueue(bad), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /'url' must be redis\+sentinel:\/\/\[user:password@\]host:port/);
      assert.ok(!e.message.includes(":pw@"), e.message);
      return true;
    });
  }
  assert.throws(
    () => readServeSettings(["--tasks", "t.ts", "--queue", "sentinel://10.0.0.1:26379/wl"], noEnv),
    /--queue must be a redis:\/\/ URL/,
  );
});
