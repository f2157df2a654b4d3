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

for (const store of ["memory", "redis"] as const) {
  test(`serve --chunk-window 16 keeps 16 bytes of a streamed job (${store}): a resume from its start gets a gap`, async () => {
    const redis = store === "redis" ? await startRedisProcess() : undefined;
    const queue = redis ? ["--queue", `redis://127.0.0.1:${redis.port}`] : [];
    const serve = await startServe(["--chunk-window", "16", "--isolation", "thread", ...queue], {
      tasks: "tests/fixtures/stream_tasks.ts",
    });
    try {
      const job = await fetch(`${serve.url}/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task: "count", input: 40, stream: true }),
      }).then((r) => r.json());
      const done = await createClient(serve.url).wait(job.id, { timeoutMs: 20_000 });
      assert.equal(done.status, "succeeded", JSON.stringify(done));
      const res = await fetch(`${serve.url}/jobs/${job.id}/events`, {
        headers: { "last-event-id": "0" },
      });
      const events: { event?: string; data: string }[] = [];
      const stream = res.body!.pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream());
      for await (const e of stream) events.push(e);
      assert.equal(events[0].event, "gap", JSON.stringify(events));
      const kept = events.filter((e) => e.event === "chunk").map((e) => e.data);
      // At most 16 bytes of chunk text kept (chunks 30…39 are two bytes each), the last ones.
      assert.ok(kept.length >= 1 && kept.join("").length <= 16, JSON.stringify(kept));
      assert.equal(kept.at(-1), "39");
    } finally {
      await serve.kill();
      await redis?.kill();
    }
  });
}
