import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { until, within } from "../fixtures/pool_helpers.ts";
import { call, startServer } from "./server_helpers.ts";

interface Sse {
  event?: string;
  id?: string;
  data: string;
}

/** Opens a job's event stream; `next()` reads one event, `raw` every byte seen so far. */
async function open(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  let raw = "";
  const tee = new TransformStream<Uint8Array, string>({
    transform(chunk, c) {
      const text = new TextDecoder().decode(chunk);
      raw += text;
      c.enqueue(text);
    },
  });
  const reader = res.body!.pipeThrough(tee).pipeThrough(new EventSourceParserStream())
    .getReader();
  return {
    raw: () => raw,
    async next(): Promise<Sse | undefined> {
      const r = await reader.read();
      return r.done ? undefined : r.value;
    },
    async rest(): Promise<Sse[]> {
      const out: Sse[] = [];
      for (let e = await this.next(); e; e = await this.next()) out.push(e);
      return out;
    },
    close: () => controller.abort(),
  };
}

test("GET /jobs/:id/events streams status and progress until the job is final, then ends", async () => {
  const s = await startServer();
  try {
    // The job reports its progress only once the stream is open: a watcher sees the events from
    // when it attached (on a loaded machine an ungated job had ended before the stream opened).
    const gate = join(mkdtempSync(join(tmpdir(), "workloom-events-")), "gate");
    const job = await call(`${s.url}/jobs`, {
      json: { task: "progress", input: { steps: 3, ms: 5, gate } },
    });
    const stream = await open(`${s.url}/jobs/${job.body.id}/events`);
    writeFileSync(gate, "");
    const events = await within(stream.rest(), 10_000, "the event stream");
    const last = JSON.parse(events.at(-1)!.data);
    assert.equal(last.status, "succeeded");
    assert.equal(last.result, 3);
    const progress = events.filter((e) => e.event === "progress").map((e) =>
      JSON.parse(e.data).progress
    );
    assert.deepEqual(progress, [1, 2, 3]);
    const ids = events.map((e) => Number(e.id));
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "ids grow");
    assert.equal(new Set(ids).size, ids.length);
  } finally {
    await s.close();
  }
});

test("a stream reconnecting with Last-Event-ID gets only the events it has not seen", async () => {
  const s = await startServer();
  try {
    const job = await call(`${s.url}/jobs`, {
      json: { task: "progress", input: { steps: 4, ms: 5 } },
    });
    const first = await open(`${s.url}/jobs/${job.body.id}/events`);
    const seen = await first.next();
    first.close();
    await call(`${s.url}/jobs/${job.body.id}?wait=10000`);
    const again = await open(`${s.url}/jobs/${job.body.id}/events`, { "Last-Event-ID": seen!.id! });
    const events = await within(again.rest(), 10_000, "the resumed stream");
    assert.ok(events.length >= 1);
    assert.ok(events.every((e) => Number(e.id) > Number(seen!.id)));
    assert.equal(JSON.parse(events.at(-1)!.data).status, "succeeded");
    const lastId = events.at(-1)!.id!;
    const done = await open(`${s.url}/jobs/${job.body.id}/events`, { "Last-Event-ID": lastId });
    assert.deepEqual(await within(done.rest(), 10_000, "a stream with nothing new"), []);
  } finally {
    await s.close();
  }
});

test("a stream sends keep-alive comments while quiet and lets a client that disconnects go", async () => {
  const s = await startServer({ keepAliveMs: 20 });
  try {
    const job = await call(`${s.url}/jobs`, { json: { task: "sleep", input: 60_000 } });
    const stream = await open(`${s.url}/jobs/${job.body.id}/events`);
    assert.equal(JSON.parse((await stream.next())!.data).id, job.body.id);
    await until(() => stream.raw().includes(": keep-alive"), "a keep-alive comment");
    assert.equal(s.server.openStreams, 1);
    stream.close();
    // The server notices at its next write at the latest (the keep-alive, 20 ms here).
    await until(() => s.server.openStreams === 0, "the server letting the stream go");
    assert.equal(s.server.store.watchers, 0);
  } finally {
    await s.close();
  }
});

test("an open stream sees the final cancelled state when the server drains", async () => {
  const s = await startServer({ concurrency: 1 });
  try {
    await call(`${s.url}/jobs`, { json: { task: "sleep", input: 60_000 } });
    const queued = await call(`${s.url}/jobs`, { json: { task: "echo", input: 1 } });
    const stream = await open(`${s.url}/jobs/${queued.body.id}/events`);
    await stream.next();
    await s.server.close({ timeoutMs: 0 });
    const events = await within(stream.rest(), 10_000, "the stream after the drain");
    const last = JSON.parse(events.at(-1)!.data);
    assert.equal(last.status, "cancelled");
  } finally {
    await s.close();
  }
});
