// A job server on the in-memory store over the Redis tests' task module, so that one test can
// run the same tasks against both stores.
import { createPool } from "../../mod.ts";
import { createServer, type JobServer, type ServerOptions } from "../../server.ts";
import { serveHttp } from "../../src/adapter/serve.ts";
import { type RedisTasks, redisTasksUrl } from "../redis/redis_helpers.ts";

/** A running in-memory server and how to stop every part of it. */
export interface MemoryNode {
  url: string;
  server: JobServer;
  close(): Promise<void>;
}

/** Starts it on 127.0.0.1, port 0, with `workers` workers. */
export async function startMemoryNode(
  options: ServerOptions = {},
  workers = 1,
): Promise<MemoryNode> {
  const pool = createPool<RedisTasks>(redisTasksUrl, {
    maxWorkers: workers,
    minWorkers: workers,
    autotune: false,
  });
  const server = await createServer(pool, options);
  const http = serveHttp(server.fetch, { port: 0, hostname: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${http.port}`,
    server,
    async close() {
      await server.close({ timeoutMs: 0 });
      await http.close();
      await pool.close({ timeoutMs: 1000 });
    },
  };
}
