// A streamed job (`stream: true`) over HTTP on the in-memory store: its chunks go out on
// GET /jobs/:id/events as `chunk` events in order, each with an id; Last-Event-ID resumes from
// the next chunk without loss inside the replay window, and with a `gap` event outside it; the
// client's events({ chunks: true }) yields them. A real server on loopback, real workers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { createPool } from "../../mod.ts";
import {
  createServer,
  memoryQueue,
  type MemoryQueueOptions,
  type ServerOptions,
} from "../../server.ts";
import { createClient } from "../../client.ts";
import { serveHttp } from "../../src/adapter/serve.ts";
import { until, within } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/stream_tasks.ts");
const url = new URL("../fixtures/stream_tasks.ts", import.meta.url);

interface Sse {
  event?: string;
  id?: string;
  data: string;
}

async function startStreamServer(queue: MemoryQueueOptions = {}, options: ServerOptions = {}) {
  const pool = createPool<Tasks>(url, { maxWorkers: 1, autotune: false });
  const server = await createServer(pool, { ...options, queue: memoryQueue(queue) });
  const http = serveHttp(server.fetch, { port: 0, hostname: "127.0.0.1" });
  return {
    base: `http://127.0.0.1:${http.port}`,
    pool,
    async close() {
      await server.close({ timeoutMs: 0 });
      await http.close();
      await pool.close({ timeoutMs: 1000 });
    },
  };
}

/** Submits a streamed job of `count` and returns its id once it succeeded. */
async function streamedJob(base: string, n: number): Promise<string> {
  const res = await fetch(`${base}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task: "count", input: n, stream: true }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = await res.json();
  const done = await createClient<Tasks>(base).wait(id, { timeoutMs: 10_000 });
  assert.equal(done.status, "succeeded", JSON.stringify(done));
  assert.equal((done as { result?: unknown }).result, `counted ${n}`);
  return id;
}

/** Every event of a job's stream (it ends when the job is final). */
async function events(base: string, id: string, lastEventId?: string): Promise<Sse[]> {
  const headers: Record<string, string> = lastEventId ? { "last-event-id": lastEventId } : {};
  const res = await fetch(`${base}/jobs/${id}/events`, { headers });
  assert.equal(res.status, 200);
  const out: Sse[] = [];
  const stream = res.body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const e of stream) out.push(e);
  return out;
}

const chunksOf = (es: Sse[]) =>
  es.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data));
const upTo = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test("a streamed job's chunks go out as chunk events in order, each with an id, before its final status", async () => {
  const s = await startStreamServer();
  try {
    const id = await streamedJob(s.base, 20);
    const all = await events(s.base, id);
    assert.deepEqual(chunksOf(all), upTo(0, 20));
    const ids = all.filter((e) => e.event === "chunk").map((e) => Number(e.id));
    assert.ok(ids.every((x, i) => i === 0 || x > ids[i - 1]), `ids increase: ${ids}`);
    assert.equal(all.at(-1)!.event, "status");
    assert.equal(JSON.parse(all.at(-1)!.data).status, "succeeded");
    assert.ok(!all.some((e) => e.event === "gap"));
    // Last-Event-ID inside the window: the next chunk on, nothing lost, nothing twice.
    const resumed = await events(s.base, id, String(ids[9]));
    assert.deepEqual(chunksOf(resumed), upTo(10, 20));
    assert.ok(!resumed.some((e) => e.event === "gap"));
    // The client yields them with chunks: true, and resumes the same way.
    const client = createClient<Tasks>(s.base);
    const seen: unknown[] = [];
    for await (const e of client.events(id, { chunks: true, lastEventId: String(ids[14]) })) {
      if (e.event === "chunk") seen.push((e as { chunk: unknown }).chunk);
    }
    assert.deepEqual(seen, upTo(15, 20));
    // Without chunks: true the client yields the job's changes only.
    for await (const e of client.events(id)) assert.notEqual(e.event, "chunk");
  } finally {
    await s.close();
  }
});

test("a resume from before the replay window gets a gap event saying which ids are gone, then the kept chunks", async () => {
  // Chunks 0…29 are 1 or 2 bytes of JSON: a 10-byte window keeps the last five (25…29).
  const s = await startStreamServer({ chunkWindowBytes: 10 });
  try {
    const id = await streamedJob(s.base, 30);
    const all = await events(s.base, id);
    assert.equal(all[0].event, "gap", "a fresh client missed the dropped chunks too");
    const gap = JSON.parse(all[0].data);
    assert.equal(
      all[0].id,
      undefined,
      "a gap has no id: Last-Event-ID stays at the last chunk seen",
    );
    assert.deepEqual(chunksOf(all), upTo(25, 30));
    assert.equal(gap.dropped, 25);
    assert.equal(gap.after, 0);
    assert.match(gap.message, /no longer kept/);
    const firstKept = Number(all.find((e) => e.event === "chunk")!.id);
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
});

test("a streamed job whose task throws fails after its chunks, which stay readable", async () => {
  const s = await startStreamServer();
  try {
    const res = await fetch(`${s.base}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "failAfter", input: 3, stream: true }),
    });
    const { id } = await res.json();
    const all = await events(s.base, id);
    assert.deepEqual(chunksOf(all), [0, 1, 2]);
    const last = JSON.parse(all.at(-1)!.data);
    assert.equal(last.status, "failed");
    assert.match(last.error.message, /failed after 3 chunks/);
  } finally {
    await s.close();
  }
});

test("chunks reach a client while the job runs, and cancelling the job over HTTP ends its generator", async () => {
  const s = await startStreamServer();
  try {
    const res = await fetch(`${s.base}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "forever", stream: true }),
    });
    const { id } = await res.json();
    const client = createClient<Tasks>(s.base);
    const seen: unknown[] = [];
    let last: unknown;
    let cancelled = false;
    const read = (async () => {
      for await (const e of client.events(id, { chunks: true })) {
        if (e.event === "chunk") seen.push((e as { chunk: unknown }).chunk);
        else if ("job" in e) last = e.job.status;
        // The job never ends by itself: five chunks came while it ran.
        if (seen.length === 5 && !cancelled) {
          cancelled = true;
          const del = await fetch(`${s.base}/jobs/${id}`, { method: "DELETE" });
          assert.equal(del.status, 200);
        }
      }
    })();
    await within(read, 10_000, "the job's events to its end");
    assert.equal(last, "cancelled");
    assert.ok(seen.length >= 5);
    assert.deepEqual(seen, upTo(0, seen.length), "in order, none lost or repeated");
    await until(() => s.pool.stats().inFlight === 0, "the generator's end in its worker");
  } finally {
    await s.close();
  }
});

test("a client that stops reading holds at most maxStreamLag events on the server, then resumes from the window", async () => {
  // 200 chunks of 32 KiB: more than socket buffers take, so an unread stream backs up to the server.
  const s = await startStreamServer({ chunkWindowBytes: 8 << 20 }, { maxStreamLag: 8 });
  try {
    const res = await fetch(`${s.base}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "bigChunks", input: { n: 200, size: 32 << 10 }, stream: true }),
    });
    const { id } = await res.json();
    // Opened at once, then left unread while the job yields its 200 chunks.
    const stalled = await fetch(`${s.base}/jobs/${id}/events`);
    const done = await createClient<Tasks>(s.base).wait(id, { timeoutMs: 20_000 });
    assert.equal(done.status, "succeeded");
    const first: Sse[] = [];
    const parsed = stalled.body!.pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    for await (const e of parsed) first.push(e);
    // The server kept no more than maxStreamLag changes for it, then told it to reconnect.
    assert.equal(first.at(-1)!.event, "lagging");
    const sent = first.filter((e) => e.event === "chunk");
    assert.ok(sent.length < 200, `${sent.length} chunks were held for a client that read none`);
    const { lastEventId } = JSON.parse(first.at(-1)!.data);
    // The reconnect resumes from the replay window: every chunk once, in order.
    const rest = await events(s.base, id, lastEventId);
    const all = [...chunksOf(sent), ...chunksOf(rest)].map((c: { i: number }) => c.i);
    assert.deepEqual(all, upTo(0, 200));
  } finally {
    await s.close();
  }
});
