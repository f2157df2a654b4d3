// The body reader's two paths: a body of declared length is read whole by the runtime (no stream
// of its chunks built in JavaScript, which on Bun cost more than the rest of a small job's read),
// and a chunked body is read chunk by chunk against the byte limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { readBody } from "../../src/server/body_reader.ts";

/** An app echoing the body its route reads, behind `readBody`. */
function echoApp(): Hono {
  const app = new Hono();
  app.post(
    "/",
    readBody({ maxBody: 64, bodyTimeoutMs: 5000 }),
    async (c) => c.text(await c.req.text()),
  );
  app.onError((e, c) =>
    c.text((e as Error).message, (e as { status?: number }).status === 413 ? 413 : 500)
  );
  return app;
}

/** `request` with reads of its `body` (the stream) counted. */
function counted(request: Request): { request: Request; streamed: () => number } {
  let streamed = 0;
  const proxy = new Proxy(request, {
    get(target, key) {
      if (key === "body") streamed++;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { request: proxy, streamed: () => streamed };
}

test("a body of declared length is read whole, without opening its stream", async () => {
  const text = '{"task":"noop","input":1}';
  const { request, streamed } = counted(
    new Request("http://127.0.0.1/", {
      method: "POST",
      body: text,
      headers: { "content-type": "application/json", "content-length": String(text.length) },
    }),
  );
  const answer = await echoApp().fetch(request);
  assert.equal(answer.status, 200);
  assert.equal(await answer.text(), text, "the route reads the very body");
  assert.equal(streamed(), 0, "the body's stream was opened");
});

test("a chunked body (no declared length) is streamed and cut past maxBody", async () => {
  const chunks = ["x".repeat(40), "y".repeat(40)];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  const { request, streamed } = counted(
    new Request("http://127.0.0.1/", { method: "POST", body, duplex: "half" } as RequestInit),
  );
  const answer = await echoApp().fetch(request);
  assert.equal(answer.status, 413, await answer.text());
  assert.ok(streamed() > 0, "a body of no declared length is read from its stream");
});
