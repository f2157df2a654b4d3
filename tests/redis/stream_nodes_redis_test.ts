// Streamed jobs on a Redis queue across nodes and under pressure: a watcher on another node than
// the producer's gets the chunks live and resumes there; a node that reads a batch after the
// window moved past it tells its watchers to resume (they get a gap, never a silent loss); a
// client that stops reading is let go while Redis keeps one window; a stalled Redis pauses the
// producer. A real redis-server; the test is the producer node where it must choose the batches.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ServerOptions } from "../../server.ts";
import { RedisJobs, type RedisLink, type RedisQueueOptions } from "../../redis.ts";
import { APPEND_CHUNKS } from "../../src/redis/lua/chunk_scripts.ts";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { createClient } from "../../client.ts";
import { within } from "../fixtures/pool_helpers.ts";
import { scratch, until } from "./redis_helpers.ts";
import { type RedisServer, startRedis } from "./redis_server.ts";
import {
  chunksOf,
  events,
  jobHash,
  LONG,
  read,
  startNode as startStreamNode,
  type StreamNode,
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

/**
 * A streamed job the test itself submits and takes, as node "test-node": it appends the job's
 * chunks in batches it chooses, with a window of `windowBytes`, and finishes it.
 */
async function takeStreamJob(prefix: string, windowBytes: number) {
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
    APPEND_CHUNKS.run(link, jobs.keys, [
      windowBytes,
      1,
      id,
      claimed.entry,
      chunks.length,
      ...chunks,
    ]);
  const finish = (payload: string) =>
    jobs.finish([{ id, entry: claimed.entry, kind: "ok", payload }]);
  return { id, append, finish };
}

test(
  "Redis: a watcher on another node gets the chunks live, resumes there with Last-Event-ID, and a cancel there ends the generator",
  LONG,
  async () => {
    const prefix = `stream${++n}`;
    const a = await startNode(prefix);
    let b: StreamNode | undefined;
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
      // The task yields a chunk a tick once the gate opens, well under a second for five: 5 s is
      // ample on a loaded machine, and chunks that never reach B fail here in 5 s rather than 10.
      await within(live, 5_000, "five chunks live on B");
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
    const { id, append, finish } = await takeStreamJob(prefix, 10);
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
            await finish('"done"');
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

test(
  "Redis: a live watcher whose node fails to read a batch is told to resume, and gets the batch from the window, never a silent loss",
  LONG,
  async () => {
    // The test is node A (it appends the batches); node B serves the watcher as its own Redis
    // user, whose reads the test refuses for one batch (ACL): B's read of exactly that batch
    // fails, as it would with Redis out of reach, and the test knows when it did (ACL LOG).
    const prefix = `stream${++n}`;
    const user = `node${n}`;
    const acl = (...rules: string[]) => link.send(["ACL", "SETUSER", user, ...rules]);
    await acl("on", ">pw", "~*", "&*", "+@all");
    await link.send(["ACL", "LOG", "RESET"]);
    const { id, append, finish } = await takeStreamJob(prefix, 1 << 20);
    const refused = async () => JSON.stringify(await link.send(["ACL", "LOG"]));
    const b = await startStreamNode(redis.url.replace("redis://", `redis://${user}:pw@`), prefix);
    const res = await fetch(`${b.base}/jobs/${id}/events`);
    try {
      const first: { event?: string; id?: string; data: string }[] = [];
      const stream = res.body!.pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream());
      for await (const e of stream) {
        first.push(e);
        const seen = chunksOf(first).length;
        if (e.event === "status" && JSON.parse(e.data).status === "running" && seen === 0) {
          await append(["0", "1", "2"]);
        }
        if (e.event === "chunk" && seen === 3) {
          // The first batch is in, live. B's reads of the next one fail.
          await acl("-hmget", "-hget", "-xrange");
          await append(["3", "4", "5"]);
          await until("B's read of the batch to fail", async () => {
            const log = await refused();
            return log.includes("xrange") && log.includes(user) ? true : undefined;
          });
          await acl("+@all");
          await append(["6", "7", "8"]);
          await finish('"done"');
        }
      }
      assert.equal(first.at(-1)?.event, "lagging", JSON.stringify(first));
      const { lastEventId } = JSON.parse(first.at(-1)!.data);
      const rest = await events(b.base, id, lastEventId);
      assert.equal(rest.at(-1)?.event, "status");
      assert.equal(JSON.parse(rest.at(-1)!.data).status, "succeeded");
      assert.deepEqual(
        [...chunksOf(first), ...chunksOf(rest)],
        upTo(0, 9),
        "none lost or repeated",
      );
    } finally {
      await res.body?.cancel().catch(() => {});
      await b.close();
      await link.send(["ACL", "DELUSER", user]);
    }
  },
);
