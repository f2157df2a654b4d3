// `--rate-limit` and `--task-rate-limit`: NAME=MAX/DURATION, repeatable; a bad one is a usage
// error naming the flag and the value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readServeSettings } from "../../src/cli/serve_settings.ts";
import { parseRateLimits } from "../../src/cli/rate_limit_flags.ts";

test("--rate-limit and --task-rate-limit read NAME=MAX/DURATION, repeated", () => {
  const s = readServeSettings([
    "--tasks",
    "t.ts",
    "--rate-limit",
    "tenant-a=5/1s",
    "--rate-limit",
    "=2/250ms",
    "--task-rate-limit",
    "render=100/1m",
    "--max-schedules",
    "10",
  ], () => undefined);
  assert.ok(s !== "help");
  assert.deepEqual(s.keyRateLimits, {
    "tenant-a": { max: 5, windowMs: 1000 },
    "": { max: 2, windowMs: 250 },
  });
  assert.deepEqual(s.taskRateLimits, { render: { max: 100, windowMs: 60_000 } });
  assert.equal(s.maxSchedules, 10);
  const none = readServeSettings(["--tasks", "t.ts"], () => undefined);
  assert.ok(none !== "help");
  // Absent: the server's defaults (no limits, 1000 schedules).
  assert.equal(none.keyRateLimits, undefined);
  assert.equal(none.maxSchedules, undefined);
});

test("a malformed rate limit is refused naming the flag and the value", () => {
  for (const bad of ["a=0/1s", "a=5", "a=5/0s", "a=5/2d", "a=x/1s", "nolimit"]) {
    assert.throws(
      () => parseRateLimits("rate-limit", [bad]),
      (e: Error) =>
        e instanceof RangeError && e.message.startsWith("--rate-limit must be NAME=MAX/DURATION") &&
        e.message.endsWith(`got ${JSON.stringify(bad)}`),
      bad,
    );
  }
});
