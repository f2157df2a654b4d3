// Helpers of the job server tests: a real server on a random loopback port over a one-worker
// pool of tests/fixtures/server_tasks.ts, and small HTTP helpers.
import { createPool, type Pool } from "../../mod.ts";
import { createServer, type JobServer, type ServerOptions } from "../../server.ts";
import { listenHttp } from "../../src/adapter/serve.ts";

export type ServerTasks = typeof import("../fixtures/server_tasks.ts");
export const serverTasksUrl = new URL("../fixtures/server_tasks.ts", import.meta.url);

/** A running server and how to stop every part of it. */
export interface Running {
  url: string;
  server: JobServer;
  pool: Pool<ServerTasks>;
  close(): Promise<void>;
}

/** Starts the job server on 127.0.0.1, port 0. */
export async function startServer(
  options: ServerOptions = {},
  poolOptions: { maxWorkers?: number } = {},
): Promise<Running> {
  const workers = poolOptions.maxWorkers ?? 1;
  const pool = createPool<ServerTasks>(serverTasksUrl, {
    maxWorkers: workers,
    minWorkers: workers,
    autotune: false,
  });
  const server = await createServer(pool, options);
  // listenHttp, not serveHttp: the same helper serves on Node (node suite), where listen is async.
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

/** A response's status, headers and JSON body. */
export interface Answer {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** Sends a request and reads the JSON answer. */
export async function call(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<Answer> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) {
    headers.set("content-type", "application/json");
    rest.body = JSON.stringify(json);
    rest.method ??= "POST";
  }
  const res = await fetch(url, { ...rest, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the test sees the text.
  }
  return { status: res.status, headers: res.headers, body };
}
