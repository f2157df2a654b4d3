// The Redis link on a real redis-server: every command has a deadline (a stalled Redis is an
// error within it, not a hang), a reply that comes after the deadline reaches the `late`
// hearer, and a command sent while Redis is gone fails at once and is never sent later.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectRedis } from "../../redis.ts";
import { QueueUnavailableError } from "../../server.ts";
import { until } from "./redis_helpers.ts";
import { startRedis } from "./redis_server.ts";

/** `p`, or "pending" once `ms` passed: a test fails instead of hanging. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

test("a command to a stalled Redis (SIGSTOP) fails with QueueUnavailableError within its deadline; the late reply reaches `late`", async () => {
  const redis = await startRedis();
  const health: (string | undefined)[] = [];
  const link = await connectRedis(redis.url, {
    onError: () => {},
    commandTimeoutMs: 300,
    onHealth: (h) => health.push(h),
  });
  let paused = false;
  try {
    redis.pause();
    paused = true;
    const lateReplies: unknown[] = [];
    const t0 = performance.now();
    const outcome = await within(
      link.send(["INCR", "n"], { late: (v) => lateReplies.push(v) }).catch((e) => e),
      5000,
    );
    const ms = performance.now() - t0;
    assert.ok(outcome instanceof QueueUnavailableError, String(outcome));
    assert.match(outcome.message, /INCR within 300 ms/);
    assert.ok(outcome.retryAfterSeconds >= 1);
    assert.ok(ms < 300 + 2000, `rejected after ${ms} ms`);
    assert.match(link.down?.reason ?? "", /INCR/);
    redis.resume();
    paused = false;
    await until("the late reply", () => (lateReplies.length === 1 ? true : undefined));
    assert.deepEqual(lateReplies, [1]);
    assert.equal(link.down, undefined, "a reply means Redis answers again");
    assert.equal(health.length, 2);
    assert.equal(health[1], undefined);
  } finally {
    if (paused) redis.resume();
    await link.close({ now: true });
    await redis.close();
  }
});

test("a command sent while Redis is gone fails at once and is not sent once it is back (no offline queue)", async () => {
  const redis = await startRedis();
  // A long deadline: failing at once is the offline queue being off, not the deadline.
  const link = await connectRedis(redis.url, { onError: () => {}, commandTimeoutMs: 10_000 });
  try {
    await redis.stop({ kill: true });
    await until("the link to see Redis gone", () => (link.down ? true : undefined));
    const t0 = performance.now();
    const outcome = await within(link.send(["INCR", "replayed"]).catch((e) => e), 20_000);
    const ms = performance.now() - t0;
    assert.ok(outcome instanceof QueueUnavailableError, String(outcome));
    assert.ok(ms < 5000, `failed after ${ms} ms`);
    await redis.restart();
    await until("the link to reconnect", async () => {
      const pong = await link.send(["PING"]).catch(() => undefined);
      return pong === "PONG" ? true : undefined;
    });
    assert.equal(await link.send(["GET", "replayed"]), null, "the refused INCR ran later");
  } finally {
    await link.close({ now: true });
    await redis.close();
  }
});

test("close() on a stalled Redis ends within the deadline", async () => {
  const redis = await startRedis();
  const link = await connectRedis(redis.url, { onError: () => {}, commandTimeoutMs: 300 });
  redis.pause();
  try {
    void link.send(["PING"]).catch(() => {});
    const outcome = await within(link.close().then(() => "closed"), 5000);
    assert.equal(outcome, "closed");
  } finally {
    redis.resume();
    await redis.close();
  }
});

test("connecting to a port where no Redis listens fails with QueueUnavailableError, not a start that never ends", async () => {
  const redis = await startRedis();
  const url = redis.url;
  await redis.close();
  // The 5 s connect bound plus 3 s of slack: a failure that comes later fails the test anyway,
  // so the wait for it stops there too (a connect that never ends fails in 8 s, not 20).
  const limitMs = 5000 + 3000;
  const t0 = performance.now();
  const outcome = await within(
    connectRedis(url, { onError: () => {}, commandTimeoutMs: 300 }).catch((e) => e),
    limitMs,
  );
  const ms = performance.now() - t0;
  assert.ok(outcome instanceof QueueUnavailableError, String(outcome));
  assert.match(outcome.message, /did not accept a connection within 5000 ms/);
  assert.ok(ms < limitMs, `failed after ${ms} ms`);
});
