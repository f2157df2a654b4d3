// Helpers of the Redis streaming tests (stream_redis_test.ts, stream_nodes_redis_test.ts): a
// node (a pool of tests/fixtures/redis_stream_tasks.ts, the job server on a Redis queue) on
// loopback, streamed jobs submitted over HTTP, and their event streams read to their end.
import assert from "node:assert/strict";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { createPool } from "../../mod.ts";
import { createServer, type ServerOptions } from "../../server.ts";
import { type RedisLink, redisQueue, type RedisQueueOptions } from "../../redis.ts";
import { createClient } from "../../client.ts";
import { listenHttp } from "../../src/adapter/serve.ts";

export type Tasks = typeof import("../fixtures/redis_stream_tasks.ts");
const tasksUrl = new URL("../fixtures/redis_stream_tasks.ts", import.meta.url);
// Bun's default per-test timeout is 5 s; the tests bound their own waits with deadlines.
export const LONG = { timeout: 60_000 };

/** One event as a client parses it. */
export interface Sse {
  event?: string;
  id?: string;
  data: string;
}

/** A node (one worker, job server on the Redis queue `prefix` at `redisUrl`) on loopback. */
export async function startNode(
  redisUrl: string,
  prefix: string,
  queue: RedisQueueOptions = {},
  options: ServerOptions = {},
) {
  const pool = createPool<Tasks>(tasksUrl, { maxWorkers: 1, minWorkers: 1, autotune: false });
  const server = await createServer(pool, {
    ...options,
    queue: redisQueue(redisUrl, { prefix, pollMs: 50, ...queue }),
  });
  const http = await listenHttp(server.fetch, { port: 0, hostname: "127.0.0.1" });
  return {
    base: `http://127.0.0.1:${http.port}`,
    server,
    pool,
    async close() {
      await server.close({ timeoutMs: 0 });
      await http.close();
      await pool.close({ timeoutMs: 1000 });
    },
  };
}

/** A node started by {@linkcode startNode}. */
export type StreamNode = Awaited<ReturnType<typeof startNode>>;

/** Submits streamed job `task` of `input`; returns its id. */
export async function submit(base: string, task: string, input?: unknown): Promise<string> {
  const res = await fetch(`${base}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task, input, stream: true }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  return (await res.json()).id;
}

/** Submits a streamed job of `count` and returns its id once it succeeded. */
export async function streamedJob(base: string, count: number): Promise<string> {
  const id = await submit(base, "count", count);
  const done = await createClient<Tasks>(base).wait(id, { timeoutMs: 20_000 });
  assert.equal(done.status, "succeeded", JSON.stringify(done));
  assert.equal((done as { result?: unknown }).result, `counted ${count}`);
  return id;
}

/** Every event of a job's stream (it ends when the job is final, or the server ends it). */
export async function events(base: string, id: string, lastEventId?: string): Promise<Sse[]> {
  const headers: Record<string, string> = lastEventId ? { "last-event-id": lastEventId } : {};
  const res = await fetch(`${base}/jobs/${id}/events`, { headers });
  assert.equal(res.status, 200);
  return await read(res);
}

/** The events of a response, to its end. */
export async function read(res: Response): Promise<Sse[]> {
  const out: Sse[] = [];
  const stream = res.body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const e of stream) out.push(e);
  return out;
}

/** The chunks of the `chunk` events, their ids, and the integers from `from` to `to` - 1. */
export const chunksOf = (es: Sse[]) =>
  es.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data));
export const idsOf = (es: Sse[]) => es.filter((e) => e.event === "chunk").map((e) => Number(e.id));
export const upTo = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);

/** A job's hash fields as numbers, read straight from Redis. */
export async function jobHash(
  link: RedisLink,
  prefix: string,
  id: string,
  ...fields: string[]
): Promise<number[]> {
  const r = (await link.send(["HMGET", `{${prefix}}:job:${id}`, ...fields])) as (string | null)[];
  return r.map((v) => Number(v ?? 0));
}
