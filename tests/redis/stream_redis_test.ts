// Streamed jobs (`stream: true`) on a Redis queue: the chunks are in the job's Redis stream, so
// any node serves them on GET /jobs/:id/events, in order, each with an id that Last-Event-ID
// resumes from; the replay window is bounded in bytes (a `gap` event for a resume from before
// it), counted in the queue's byte accounting, kept for chunkKeepMs after the job ends, and a
// client that stops reading is let go. A real redis-server, real servers on loopback, real
// workers (tests/fixtures/stream_tasks.ts).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { createPool } from "../../mod.ts";
import { createServer, type ServerOptions } from "../../server.ts";
import { RedisJobs, type RedisLink, redisQueue, type RedisQueueOptions } from "../../redis.ts";
import { APPEND_CHUNKS } from "../../src/redis/lua/chunk_scripts.ts";
import { createClient } from "../../client.ts";
import { listenHttp } from "../../src/adapter/serve.ts";
import { scratch, until } from "./redis_helpers.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { within } from "../fixtures/pool_helpers.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";

type Tasks = typeof import("../fixtures/redis_stream_tasks.ts");
const tasksUrl = new URL("../fixtures/redis_stream_tasks.ts", import.meta.url);
// Bun's default per-test timeout is 5 s; the tests bound their own waits with deadlines.
const LONG = { timeout: 60_000 };

let redis: RedisServer;
let link: RedisLink;
let n = 0;

before(async () => {
  redis = await startRedis();
  link = await redis.link();
});
after(async () => {
  await redis.close();
});

interface Sse {
  event?: string;
  id?: string;
  data: string;
}

/** A node (pool of stream_tasks.ts, job server on the Redis queue `prefix`) on loopback. */
async function startNode(
  prefix: string,
  queue: RedisQueueOptions = {},
  options: ServerOptions = {},
) {
  const pool = createPool<Tasks>(tasksUrl, { maxWorkers: 1, minWorkers: 1, autotune: false });
  const server = await createServer(pool, {
    ...options,
    queue: redisQueue(redis.url, { prefix, pollMs: 50, ...queue }),
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

async function submit(base: string, task: string, input?: unknown): Promise<string> {
  const res = await fetch(`${base}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task, input, stream: true }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  return (await res.json()).id;
}

/** Submits a streamed job of `count` and returns its id once it succeeded. */
async function streamedJob(base: string, count: number): Promise<string> {
  const id = await submit(base, "count", count);
  const done = await createClient<Tasks>(base).wait(id, { timeoutMs: 20_000 });
  assert.equal(done.status, "succeeded", JSON.stringify(done));
  assert.equal((done as { result?: unknown }).result, `counted ${count}`);
  return id;
}

/** Every event of a job's stream (it ends when the job is final, or the server ends it). */
async function events(base: string, id: string, lastEventId?: string): Promise<Sse[]> {
  const headers: Record<string, string> = lastEventId ? { "last-event-id": lastEventId } : {};
  const res = await fetch(`${base}/jobs/${id}/events`, { headers });
  assert.equal(res.status, 200);
  return await read(res);
}

async function read(res: Response): Promise<Sse[]> {
  const out: Sse[] = [];
  const stream = res.body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const e of stream) out.push(e);
  return out;
}

const chunksOf = (es: Sse[]) =>
  es.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data));
const idsOf = (es: Sse[]) => es.filter((e) => e.event === "chunk").map((e) => Number(e.id));
const upTo = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A job's hash fields, read straight from Redis. */
async function hash(prefix: string, id: string, ...fields: string[]): Promise<number[]> {
  const r = (await link.send(["HMGET", `{${prefix}}:job:${id}`, ...fields])) as (string | null)[];
  return r.map((v) => Number(v ?? 0));
}

test(
  "Redis: a streamed job's chunks go out in order with ids, before its final status, and Last-Event-ID resumes without loss",
  LONG,
  async () => {
    const prefix = `stream${++n}`;
    const s = await startNode(prefix);
    try {
      const id = await streamedJob(s.base, 50);
      const all = await events(s.base, id);
      assert.deepEqual(chunksOf(all), upTo(0, 50));
      const ids = idsOf(all);
      assert.ok(ids.every((x, i) => i === 0 || x > ids[i - 1]), `ids increase: ${ids}`);
      assert.equal(all.at(-1)!.event, "status");
      const last = JSON.parse(all.at(-1)!.data);
      assert.equal(last.status, "succeeded");
      assert.ok(Number(all.at(-1)!.id) > ids.at(-1)!, "the final status comes after the chunks");
      assert.ok(!all.some((e) => e.event === "gap"));
      // The chunks are in the job's own Redis stream, one entry per chunk, its id the event id.
      const entries = (await link.send(["XRANGE", `{${prefix}}:chunks:${id}`, "-", "+"])) as [
        string,
        string[],
      ][];
      assert.deepEqual(entries.map(([e]) => e), ids.map((x) => `${x}-0`));
      // Last-Event-ID inside the window: the next chunk on, nothing lost, nothing twice.
      const resumed = await events(s.base, id, String(ids[29]));
      assert.deepEqual(chunksOf(resumed), upTo(30, 50));
      assert.ok(!resumed.some((e) => e.event === "gap"));
      // The client yields them with chunks: true, and resumes the same way.
      const seen: unknown[] = [];
      const client = createClient<Tasks>(s.base);
      for await (const e of client.events(id, { chunks: true, lastEventId: String(ids[44]) })) {
        if (e.event === "chunk") seen.push((e as { chunk: unknown }).chunk);
      }
      assert.deepEqual(seen, upTo(45, 50));
    } finally {
      await s.close();
    }
  },
);

test("Redis: chunks are written in batches, not one round trip per chunk", LONG, async () => {
  const prefix = `stream${++n}`;
  const s = await startNode(prefix);
  try {
    const id = await streamedJob(s.base, 2000);
    // One event on the events stream per batch written (and one script call).
    const announced = (await link.send(["XRANGE", `{${prefix}}:events`, "-", "+"])) as [
      string,
      string[],
    ][];
    const batches = announced.filter(([, f]) => f[1] === id && f[5] === "chunk").length;
    assert.ok(batches >= 1 && batches < 2000 / 4, `${batches} batches for 2000 chunks`);
    assert.deepEqual(chunksOf(await events(s.base, id)), upTo(0, 2000));
  } finally {
    await s.close();
  }
});

test(
  "Redis: a resume from before the replay window gets a gap event, then the kept chunks; the window holds its bytes at most",
  LONG,
  async () => {
    // Chunks 0…29 are 1 or 2 bytes of JSON: a 10-byte window keeps the last five (25…29).
    const prefix = `stream${++n}`;
    const s = await startNode(prefix, { chunkWindowBytes: 10 });
    try {
      const id = await streamedJob(s.base, 30);
      const [kept, dropped] = await hash(prefix, id, "cwin", "cdrop");
      assert.equal(kept, 10, "25…29: two bytes of JSON each");
      assert.equal(dropped, 25);
      assert.equal(Number(await link.send(["XLEN", `{${prefix}}:chunks:${id}`])), 5);
      const all = await events(s.base, id);
      assert.equal(all[0].event, "gap", "a fresh client missed the dropped chunks too");
      assert.equal(all[0].id, undefined, "a gap has no id");
      const gap = JSON.parse(all[0].data);
      assert.deepEqual(chunksOf(all), upTo(25, 30));
      assert.equal(gap.dropped, 25);
      assert.equal(gap.after, 0);
      assert.match(gap.message, /no longer kept/);
      const firstKept = idsOf(all)[0];
      assert.equal(gap.until < firstKept, true);
      // From inside the window: no gap.
      const inside = await events(s.base, id, String(firstKept));
      assert.deepEqual(chunksOf(inside), upTo(26, 30));
      assert.ok(!inside.some((e) => e.event === "gap"));
      // From before it: the gap first, then every kept chunk.
      const outside = await events(s.base, id, String(gap.until - 3));
      assert.equal(outside[0].event, "gap");
      assert.equal(JSON.parse(outside[0].data).after, gap.until - 3);
      assert.deepEqual(chunksOf(outside), upTo(25, 30));
    } finally {
      await s.close();
    }
  },
);

test(
  "Redis: chunks count in the queue's bytes, are kept chunkKeepMs after the job ends, then go (a late resume gets a gap)",
  LONG,
  async () => {
    const prefix = `stream${++n}`;
    const s = await startNode(prefix, { chunkKeepMs: 1500 }, { sweepIntervalMs: 50 });
    try {
      const id = await streamedJob(s.base, 100);
      const [kept, jobBytes] = await hash(prefix, id, "cwin", "bytes");
      // 0…9 are one byte of JSON, 10…99 two.
      assert.equal(kept, 10 + 90 * 2);
      const total = Number(await link.send(["GET", `{${prefix}}:bytes`]));
      assert.equal(total, jobBytes, "the queue's bytes are this job's");
      assert.ok(jobBytes >= kept, `the job's ${jobBytes} bytes count its ${kept} bytes of chunks`);
      // Served while kept…
      assert.deepEqual(chunksOf(await events(s.base, id)), upTo(0, 100));
      // …then let go by the sweep: the bytes return, the stream is gone, what went stays known.
      await until("the chunks to go", async () => {
        const [cwin] = await hash(prefix, id, "cwin");
        return cwin === 0 ? true : undefined;
      }, 10_000);
      assert.equal(Number(await link.send(["GET", `{${prefix}}:bytes`])), jobBytes - kept);
      assert.equal(Number(await link.send(["EXISTS", `{${prefix}}:chunks:${id}`])), 0);
      const late = await events(s.base, id);
      assert.equal(late[0].event, "gap");
      assert.equal(JSON.parse(late[0].data).dropped, 100);
      assert.deepEqual(chunksOf(late), []);
      assert.equal(JSON.parse(late.at(-1)!.data).status, "succeeded");
    } finally {
      await s.close();
    }
  },
);

test(
  "Redis: a streamed job whose task throws fails after its chunks, which stay readable",
  LONG,
  async () => {
    const s = await startNode(`stream${++n}`);
    try {
      const id = await submit(s.base, "failAfter", 3);
      const all = await events(s.base, id);
      assert.deepEqual(chunksOf(all), [0, 1, 2]);
      const last = JSON.parse(all.at(-1)!.data);
      assert.equal(last.status, "failed");
      assert.match(last.error.message, /failed after 3 chunks/);
    } finally {
      await s.close();
    }
  },
);

test(
  "Redis: a watcher on another node gets the chunks live, resumes there with Last-Event-ID, and a cancel there ends the generator",
  LONG,
  async () => {
    const prefix = `stream${++n}`;
    const a = await startNode(prefix);
    let b: Awaited<ReturnType<typeof startNode>> | undefined;
    // Ends the test's event streams if it fails midway, so that the nodes can close.
    const giveUp = new AbortController();
    try {
      const go = join(scratch(), "go");
      const id = await submit(a.base, "foreverAfter", go);
      // Running on A before B exists: B only serves it.
      await until("the job to run on A", () => a.pool.stats().inFlight === 1 ? true : undefined);
      b = await startNode(prefix);
      const client = createClient<Tasks>(b.base);
      const seen: number[] = [];
      let lastId: string | undefined;
      // Watching on B before the first chunk exists: they can only come live; leave after five.
      const live = (async () => {
        for await (const e of client.events(id, { chunks: true, signal: giveUp.signal })) {
          if (e.event === "status") writeFileSync(go, "");
          if (e.event !== "chunk") continue;
          seen.push((e as { chunk: number }).chunk);
          lastId = (e as { id: string }).id;
          if (seen.length === 5) break;
        }
      })();
      await within(live, 10_000, "five chunks live on B");
      assert.equal(b.pool.stats().inFlight, 0, "B runs nothing: A writes the chunks");
      // Leaving the loop closed the stream: B let go of it and of its watcher.
      await until(
        "B to let go of the stream",
        () => b!.server.openStreams === 0 && b!.server.store.watchers === 0 ? true : undefined,
      );
      // Back on B from the last id seen: the next chunk on, while A still yields; then cancel on B.
      let status: unknown;
      let cancelled = false;
      const resumed = (async () => {
        const options = { chunks: true as const, lastEventId: lastId, signal: giveUp.signal };
        for await (const e of client.events(id, options)) {
          if (e.event === "chunk") seen.push((e as { chunk: number }).chunk);
          else if ("job" in e) status = e.job.status;
          if (seen.length >= 15 && !cancelled) {
            cancelled = true;
            const del: Response = await fetch(`${b!.base}/jobs/${id}`, { method: "DELETE" });
            assert.equal(del.status, 200);
          }
        }
      })();
      await within(resumed, 10_000, "the resumed stream to the cancel");
      assert.equal(status, "cancelled");
      assert.deepEqual(seen, upTo(0, seen.length), "in order, none lost or repeated");
      await until(
        "the generator's end on A",
        () => a.pool.stats().inFlight === 0 ? true : undefined,
      );
    } finally {
      giveUp.abort();
      await b?.close();
      await a.close();
    }
  },
);

test(
  "Redis: a live watcher whose node reads a batch after the window moved past it is told to resume, and gets a gap, never a silent loss",
  LONG,
  async () => {
    // The test is node A: it takes the job and appends its chunks itself, in batches it chooses.
    const prefix = `stream${++n}`;
    const jobs = new RedisJobs(link, prefix);
    const id = crypto.randomUUID();
    await jobs.submit([{ id, request: { task: "count", input: 0, stream: true } }], {
      maxJobs: 10,
      maxQueue: 10,
      ttlMs: 60_000,
    });
    const [claimed] = await jobs.take("test-node", 1, 1);
    assert.equal(claimed.id, id);
    const append = (chunks: string[]) =>
      APPEND_CHUNKS.run(link, jobs.keys, [10, 1, id, claimed.entry, chunks.length, ...chunks]);
    const b = await startNode(prefix);
    const giveUp = new AbortController();
    try {
      const client = createClient<Tasks>(b.base);
      const seen: unknown[] = [];
      let gap: { after: number; dropped: number } | undefined;
      let status: unknown;
      const watched = (async () => {
        for await (const e of client.events(id, { chunks: true, signal: giveUp.signal })) {
          if (e.event === "chunk") seen.push((e as { chunk: unknown }).chunk);
          else if (e.event === "gap") gap = (e as { gap: typeof gap }).gap;
          else if ("job" in e) status = e.job.status;
          // Watching: the first three chunks come in one batch, and arrive live.
          if (e.event === "status" && e.job.status === "running" && seen.length === 0) {
            await append(["0", "1", "2"]);
          }
          if (seen.length === 3 && !gap && e.event === "chunk") {
            // Twenty more in one batch through a 10-byte window: B reads it when 15 are gone.
            await append(Array.from({ length: 20 }, (_, i) => String(3 + i)));
            await jobs.finish([{ id, entry: claimed.entry, kind: "ok", payload: '"done"' }]);
          }
        }
      })();
      await within(watched, 10_000, "the watcher's stream to the job's end");
      assert.equal(status, "succeeded");
      assert.ok(gap, `a gap event, not a silent loss: ${JSON.stringify(seen)}`);
      // Every chunk the job let go: 0…17 (the watcher had seen 0…2; 3…17 are the gap).
      assert.equal(gap.dropped, 18);
      assert.deepEqual(seen, [0, 1, 2, 18, 19, 20, 21, 22]);
    } finally {
      giveUp.abort();
      await b.close();
    }
  },
);

test(
  "Redis: a client that stops reading is let go after maxStreamLag events while Redis keeps one window per job",
  LONG,
  async () => {
    // 200 chunks of 32 KiB (6.4 MB) through a 256 KiB window, to a client that reads none.
    const prefix = `stream${++n}`;
    const window = 256 << 10;
    const s = await startNode(prefix, { chunkWindowBytes: window }, { maxStreamLag: 8 });
    let stalled: Response | undefined;
    try {
      const id = await submit(s.base, "bigChunks", { n: 200, size: 32 << 10 });
      stalled = await fetch(`${s.base}/jobs/${id}/events`);
      const done = await createClient<Tasks>(s.base).wait(id, { timeoutMs: 30_000 });
      assert.equal(done.status, "succeeded");
      // Redis holds the window, not the stream: at most `window` bytes of chunks.
      const [kept, dropped] = await hash(prefix, id, "cwin", "cdrop");
      assert.ok(kept <= window, `${kept} bytes kept`);
      assert.ok(dropped >= 200 - window / (32 << 10), `${dropped} dropped`);
      const usage = Number(await link.send(["MEMORY", "USAGE", `{${prefix}}:chunks:${id}`]));
      assert.ok(usage < 2 * window, `the chunk stream takes ${usage} bytes of Redis memory`);
      // The server held no more than maxStreamLag changes for it, then told it to reconnect.
      const first = await read(stalled);
      stalled = undefined;
      assert.equal(first.at(-1)!.event, "lagging");
      const sent = first.filter((e) => e.event === "chunk");
      assert.ok(sent.length < 200, `${sent.length} chunks were held for a client that read none`);
      await until(
        "the server to let go of the stalled stream",
        () => s.server.openStreams === 0 && s.server.store.watchers === 0 ? true : undefined,
      );
      // Its reconnect gets a gap (the window moved on), then the window, in order.
      const { lastEventId } = JSON.parse(first.at(-1)!.data);
      const rest = await events(s.base, id, lastEventId);
      assert.equal(rest[0].event, "gap");
      const tail = chunksOf(rest).map((c: { i: number }) => c.i);
      assert.deepEqual(tail, upTo(200 - tail.length, 200));
    } finally {
      // Not read to its end (an assertion failed): let go of it, or the server waits for it.
      await stalled?.body?.cancel().catch(() => {});
      await s.close();
    }
  },
);

test(
  "Redis: while Redis does not answer, the producer stops after a window of unwritten chunks (it waits for credit), then goes on",
  LONG,
  async () => {
    const prefix = `stream${++n}`;
    // 64 bytes of chunks unwritten at most (chunks of 3 to 5 bytes of JSON) and the pool's 16
    // chunks unread: the generator is paused after about 50 yields past the last batch sent.
    const s = await startNode(prefix, { chunkWindowBytes: 64, commandTimeoutMs: 10_000 });
    const file = join(scratch(), "count");
    const count = () => Number(readFileSync(file, "utf8") || 0);
    let paused = false;
    try {
      const id = await submit(s.base, "countedForever", file);
      await until("the producer to run", () => {
        try {
          return count() >= 200 ? true : undefined;
        } catch {
          return undefined;
        }
      });
      redis.pause();
      paused = true;
      const atPause = count();
      // Unpaused, the producer yields one chunk per timer tick: hundreds in this time.
      const end = Date.now() + 1500;
      let most = atPause;
      while (Date.now() < end) {
        most = Math.max(most, count());
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(most - atPause <= 100, `${most - atPause} chunks yielded while Redis was stalled`);
      redis.resume();
      paused = false;
      await until("the producer to go on", () => count() > most + 50 ? true : undefined);
      const del = await fetch(`${s.base}/jobs/${id}`, { method: "DELETE" });
      assert.equal(del.status, 200);
    } finally {
      if (paused) redis.resume();
      await s.close();
    }
  },
);

test("Redis: chunkWindowBytes and chunkKeepMs are checked, naming the option", () => {
  assert.throws(() => redisQueue(redis.url, { chunkWindowBytes: 0 }), /'chunkWindowBytes'.*0/);
  assert.throws(() => redisQueue(redis.url, { chunkKeepMs: -1 }), /'chunkKeepMs'.*-1/);
});
