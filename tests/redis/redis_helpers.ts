// Helpers of the Redis tests: an in-process node (a pool of tests/fixtures/redis_tasks.ts and
// the job server on a Redis queue) and polling with a deadline.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, type Pool } from "../../mod.ts";
import { createServer, type JobServer, type ServerOptions } from "../../server.ts";
import { redisQueue, type RedisQueueOptions } from "../../redis.ts";
import { listenHttp } from "../../src/adapter/serve.ts";

export type RedisTasks = typeof import("../fixtures/redis_tasks.ts");
export const redisTasksUrl = new URL("../fixtures/redis_tasks.ts", import.meta.url);

/** A node running in this process. */
export interface InProcessNode {
  url: string;
  server: JobServer;
  pool: Pool<RedisTasks>;
  close(): Promise<void>;
}

/** Starts a node on the Redis at `redisUrl`. */
export async function startNode(
  redisUrl: string,
  queueOptions: RedisQueueOptions,
  serverOptions: ServerOptions = {},
  workers = 2,
): Promise<InProcessNode> {
  const pool = createPool<RedisTasks>(redisTasksUrl, {
    maxWorkers: workers,
    minWorkers: workers,
    autotune: false,
  });
  const server = await createServer(pool, {
    ...serverOptions,
    queue: redisQueue(redisUrl, queueOptions),
  });
  const http = await listenHttp(server.fetch, { port: 0, hostname: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${http.port}`,
    server,
    pool,
    async close() {
      await server.close({ timeoutMs: 0 });
      await http.close();
      await pool.close({ timeoutMs: 1000 });
    },
  };
}

/** Polls `f` until it returns a value other than undefined, or throws at the deadline. */
export async function until<T>(
  what: string,
  f: () => Promise<T | undefined> | T | undefined,
  deadlineMs = 20_000,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh folder for logs and gates. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), "workloom-redis-test-"));
}

/** The lines of an execution log, counted by job number: how often each job started. */
export function starts(text: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const line of text.split("\n")) {
    const [what, n] = line.split(" ");
    if (what === "start") m.set(Number(n), (m.get(Number(n)) ?? 0) + 1);
  }
  return m;
}
