// `workloom serve --redis-timeout`: read with --queue only, a duration, named in its errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readServeSettings } from "../../src/cli/serve_settings.ts";

const noEnv = () => undefined;
const queue = ["--tasks", "t.ts", "--queue", "redis://127.0.0.1:6379"];

test("--redis-timeout is a duration read with --queue; without it the queue's default applies", () => {
  const s = readServeSettings([...queue, "--redis-timeout", "300ms"], noEnv);
  assert.ok(s !== "help");
  assert.equal(s.redisTimeoutMs, 300);
  const plain = readServeSettings(queue, noEnv);
  assert.ok(plain !== "help" && plain.redisTimeoutMs === undefined);
});

test("--redis-timeout needs --queue and a positive duration", () => {
  assert.throws(() => readServeSettings(["--tasks", "t.ts", "--redis-timeout", "1s"], noEnv), {
    message: /--redis-timeout needs --queue/,
  });
  assert.throws(() => readServeSettings([...queue, "--redis-timeout", "soon"], noEnv), {
    name: "RangeError",
    message: /--redis-timeout .*"soon"/,
  });
});
