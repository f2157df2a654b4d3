// The streamed-job flags of `workloom serve` (--chunk-window, --chunk-keep): read and checked, a
// bad value refused naming its flag, and the window in force on a real server started from the
// command line, with either store (a resume from before it gets a gap event).
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { createClient } from "../../client.ts";
import { chunkSettings } from "../../src/cli/serve_chunks.ts";
import { readServeSettings, SERVE_USAGE } from "../../src/cli/serve_settings.ts";
import { startRedisProcess } from "../fixtures/redis_process.ts";
import { startServe } from "../fixtures/serve_process.ts";

test("the streamed-job flags become queue options, and a bad value names its flag", () => {
  assert.deepEqual(chunkSettings({ "chunk-window": "64kb", "chunk-keep": "1m" }), {
    chunkWindowBytes: 65536,
    chunkKeepMs: 60_000,
  });
  assert.deepEqual(chunkSettings({}), {});
  assert.throws(() => chunkSettings({ "chunk-window": "0" }), /--chunk-window .*"0"/);
  assert.throws(() => chunkSettings({ "chunk-window": "lots" }), /--chunk-window .*"lots"/);
  assert.throws(() => chunkSettings({ "chunk-keep": "soon" }), /--chunk-keep .*"soon"/);
  assert.throws(() => chunkSettings({ "chunk-keep": "30d" }), /--chunk-keep .*"30d"/);
  const s = readServeSettings(["--tasks", "t.ts", "--chunk-window", "16"], () => undefined);
  assert.ok(s !== "help");
  assert.deepEqual(s.chunks, { chunkWindowBytes: 16 });
  for (const flag of ["--chunk-window", "--chunk-keep"]) {
    assert.ok(SERVE_USAGE.includes(flag), flag);
  }
});

test("serve refuses a bad --chunk-window, naming the flag and the value", async () => {
  const serve = await startServe(["--chunk-window", "none"], { ready: /chunk-window/ });
  try {
    assert.notEqual(await serve.exited, 0);
    assert.match(serve.stderr(), /--chunk-window .*"none"/);
  } finally {
    await serve.kill();
  }
});

/** Submits a streamed job counting to 40 on `url` and returns its id once it succeeded. */
async function counted(url: string): Promise<string> {
  const job = await fetch(`${url}/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task: "count", input: 40, stream: true }),
  }).then((r) => r.json());
  const done = await createClient(url).wait(job.id, { timeoutMs: 20_000 });
  assert.equal(done.status, "succeeded", JSON.stringify(done));
  return job.id;
}

/** The events of job `id`'s stream resumed from its start, to its end. */
async function resumed(url: string, id: string): Promise<{ event?: string; data: string }[]> {
  const res = await fetch(`${url}/jobs/${id}/events`, { headers: { "last-event-id": "0" } });
  const events: { event?: string; data: string }[] = [];
  const stream = res.body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const e of stream) events.push(e);
  return events;
}

/** `workloom serve` over the streaming tasks with `args`, on Redis when `store` says so. */
async function serveOn(store: "memory" | "redis", args: string[]) {
  const redis = store === "redis" ? await startRedisProcess() : undefined;
  const queue = redis ? ["--queue", `redis://127.0.0.1:${redis.port}`] : [];
  const serve = await startServe([...args, "--isolation", "thread", ...queue], {
    tasks: "tests/fixtures/stream_tasks.ts",
  }).catch(async (e) => {
    await redis?.kill();
    throw e;
  });
  return {
    url: serve.url,
    async close() {
      await serve.kill();
      await redis?.kill();
    },
  };
}

for (const store of ["memory", "redis"] as const) {
  test(`serve --chunk-window 16 keeps 16 bytes of a streamed job (${store}): a resume from its start gets a gap`, async () => {
    const serve = await serveOn(store, ["--chunk-window", "16"]);
    try {
      const events = await resumed(serve.url, await counted(serve.url));
      assert.equal(events[0].event, "gap", JSON.stringify(events));
      const kept = events.filter((e) => e.event === "chunk").map((e) => e.data);
      // At most 16 bytes of chunk text kept (chunks 30…39 are two bytes each), the last ones.
      assert.ok(kept.length >= 1 && kept.join("").length <= 16, JSON.stringify(kept));
      assert.equal(kept.at(-1), "39");
    } finally {
      await serve.close();
    }
  });

  test(`serve --chunk-keep 1ms lets a streamed job's chunks go once it ended (${store}): a resume gets none`, async () => {
    const serve = await serveOn(store, ["--chunk-keep", "1ms"]);
    try {
      const id = await counted(serve.url);
      // The default keeps them 5 minutes; with 1 ms the next sweep (every second) lets them go.
      const end = Date.now() + 15_000;
      let events = await resumed(serve.url, id);
      while (events.some((e) => e.event === "chunk")) {
        assert.ok(Date.now() < end, "the chunks were not let go within 15 s");
        await new Promise((r) => setTimeout(r, 100));
        events = await resumed(serve.url, id);
      }
      assert.equal(events[0].event, "gap", JSON.stringify(events));
      assert.equal(JSON.parse(events[0].data).dropped, 40);
    } finally {
      await serve.close();
    }
  });
}
