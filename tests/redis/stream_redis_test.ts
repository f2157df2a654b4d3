// Streamed jobs (`stream: true`) on a Redis queue, one node: the chunks are in the job's Redis
// stream and go out on GET /jobs/:id/events in order, each with an id that Last-Event-ID resumes
// from, written in batches; the replay window is bounded in bytes (a `gap` event for a resume
// from before it), counted in the queue's byte accounting, kept for chunkKeepMs after the job
// ends. Two nodes, live watchers and stalls: stream_nodes_redis_test.ts. A real redis-server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ServerOptions } from "../../server.ts";
import { type RedisLink, redisQueue, type RedisQueueOptions } from "../../redis.ts";
import { createClient } from "../../client.ts";
import { until } from "./redis_helpers.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";
import {
  chunksOf,
  events,
  idsOf,
  jobHash,
  LONG,
  startNode as startStreamNode,
  streamedJob,
  submit,
  type Tasks,
  upTo,
} from "./stream_helpers.ts";

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

const startNode = (prefix: string, queue?: RedisQueueOptions, options?: ServerOptions) =>
  startStreamNode(redis.url, prefix, queue, options);
const hash = (prefix: string, id: string, ...fields: string[]) =>
  jobHash(link, prefix, id, ...fields);

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
      // Due 1.5 s after the job ended, on a 50 ms sweep: 6 s is ample on a loaded machine, and
      // chunks kept for good fail here in 6 s rather than 10.
      await until("the chunks to go", async () => {
        const [cwin] = await hash(prefix, id, "cwin");
        return cwin === 0 ? true : undefined;
      }, 6_000);
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

test("Redis: chunkWindowBytes and chunkKeepMs are checked, naming the option", () => {
  assert.throws(() => redisQueue(redis.url, { chunkWindowBytes: 0 }), /'chunkWindowBytes'.*0/);
  assert.throws(() => redisQueue(redis.url, { chunkKeepMs: -1 }), /'chunkKeepMs'.*-1/);
});
