// The start-up check that Redis never evicts the queue's keys, on a real redis-server: a
// policy other than noeviction is refused with an error naming the setting and the fix, and
// the same Redis set to noeviction is taken.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createPool } from "../../mod.ts";
import { createServer } from "../../server.ts";
import { redisQueue } from "../../redis.ts";
import { redisTasksUrl } from "./redis_helpers.ts";
import { startRedis } from "./redis_server.ts";

test("a Redis with maxmemory-policy allkeys-lru is refused with the setting and the fix; set to noeviction it is taken", async () => {
  const redis = await startRedis({ args: ["--maxmemory-policy", "allkeys-lru"] });
  const pool = createPool(redisTasksUrl, { maxWorkers: 1, minWorkers: 0, autotune: false });
  try {
    await assert.rejects(
      createServer(pool, { queue: redisQueue(redis.url) }),
      (e: Error) => {
        assert.match(e.message, /maxmemory-policy allkeys-lru/);
        assert.match(e.message, /noeviction/);
        assert.ok(e.message.includes(redis.url), e.message);
        return true;
      },
    );
    const link = await redis.link();
    await link.send(["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    const server = await createServer(pool, { queue: redisQueue(redis.url) });
    await server.close();
  } finally {
    await pool.close();
    await redis.close();
  }
});
