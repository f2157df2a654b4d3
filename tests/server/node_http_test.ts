// The job server through the `node:http` glue that serves it on Node (src/adapter/node_http.ts).
// Deno and Bun implement node:http too, so the same glue runs here on both; the package step runs
// `workloom serve` from the npm build on Node itself. A real pool, a real server, a real socket.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { createPool } from "../../mod.ts";
import { createServer, type ServerOptions } from "../../server.ts";
import { listenNodeHttp } from "../../src/adapter/node_http.ts";
import { until } from "../fixtures/pool_helpers.ts";
import { call, type ServerTasks, serverTasksUrl } from "./server_helpers.ts";

async function start(options: ServerOptions = {}) {
  const pool = createPool<ServerTasks>(serverTasksUrl, {
    maxWorkers: 1,
    minWorkers: 1,
    autotune: false,
  });
  const server = await createServer(pool, options);
  const http = await listenNodeHttp(server.fetch, { port: 0, hostname: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${http.port}`,
    server,
    http,
    async close() {
      await server.close({ timeoutMs: 0 });
      await http.close();
      await pool.close({ timeoutMs: 1000 });
    },
  };
}

test("a job is submitted with its JSON body and its result read back through node:http", async () => {
  const s = await start();
  try {
    const submitted = await call(`${s.url}/jobs?wait=5000`, {
      json: { task: "echo", input: { text: "ünïcode", n: [1, 2] } },
    });
    assert.equal(submitted.status, 200);
    assert.equal(submitted.body.status, "succeeded");
    assert.deepEqual(submitted.body.result, { text: "ünïcode", n: [1, 2] });
    const again = await call(`${s.url}/jobs/${submitted.body.id}`);
    assert.deepEqual(again.body.result, { text: "ünïcode", n: [1, 2] });
    const missing = await call(`${s.url}/jobs/nope`);
    assert.equal(missing.status, 404);
  } finally {
    await s.close();
  }
});

test("an event stream arrives as it is written, and a client that leaves frees its slot", async () => {
  // One stream per client: a second one is refused while the first is open, and allowed once the
  // first client has gone, which only happens if the glue cancels the body when the socket closes.
  const s = await start({ maxStreamsPerClient: 1 });
  try {
    const gate = `/tmp/workloom-node-http-${crypto.randomUUID()}`;
    const job = await call(`${s.url}/jobs`, { json: { task: "gated", input: { gate, value: 1 } } });
    const path = `/jobs/${job.body.id}/events`;
    const first = await rawGet(s.url, path);
    // The first event came while the job still runs: nothing waited for the body to end.
    await until(() => /\r\n\r\n[\s\S]*event: status/.test(first.text()), "the first event");
    assert.match(first.text(), /^HTTP\/1\.1 200/);
    assert.match(first.text(), /content-type: text\/event-stream/i);
    const refused = await rawGet(s.url, path);
    await until(() => /^HTTP\/1\.1 \d+/.test(refused.text()), "the second answer");
    assert.match(refused.text(), /^HTTP\/1\.1 429/);
    refused.socket.destroy();
    first.socket.destroy();
    // The slot comes back once the server has seen the socket close: ask until it has.
    let status = "";
    for (let i = 0; i < 100 && status !== "200"; i++) {
      const again = await rawGet(s.url, path);
      await until(() => /^HTTP\/1\.1 \d+/.test(again.text()), "an answer");
      status = /^HTTP\/1\.1 (\d+)/.exec(again.text())![1];
      again.socket.destroy();
      if (status !== "200") await settle();
    }
    assert.equal(status, "200", "the slot of the client that left came back");
  } finally {
    await s.close();
  }
});

/** A GET over a raw socket, so that the test decides when the connection ends. */
async function rawGet(url: string, path: string): Promise<{ socket: Socket; text: () => string }> {
  const socket = connect({ port: Number(new URL(url).port), host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let text = "";
  socket.on("data", (d) => text += d.toString("latin1"));
  socket.on("error", () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  return { socket, text: () => text };
}

test("the app sees the Host header as sent, and none when none was sent; a bad Host is 400", async () => {
  const s = await start();
  try {
    // The host check of a tokenless server answers loopback names only: the Host header reached
    // the app as sent, and a request without one is not taken to be for the bound address.
    const cases: [string, RegExp][] = [
      ["GET /healthz HTTP/1.1\r\nHost: 127.0.0.1", /^HTTP\/1\.1 200/],
      ["GET /healthz HTTP/1.1\r\nHost: evil.example", /^HTTP\/1\.1 421/],
      ["GET http://evil.example/healthz HTTP/1.1\r\nHost: 127.0.0.1", /^HTTP\/1\.1 421/],
      ["GET /healthz HTTP/1.0", /^HTTP\/1\.[01] 421/],
      ["GET /healthz HTTP/1.1\r\nHost: a b", /^HTTP\/1\.1 400/],
    ];
    for (const [head, answer] of cases) {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect({ port: Number(new URL(s.url).port), host: "127.0.0.1" }, () => {
          socket.write(`${head}\r\nConnection: close\r\n\r\n`);
        });
        let text = "";
        socket.on("data", (d) => text += d);
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
      assert.match(raw, answer, head);
    }
  } finally {
    await s.close();
  }
});

test("the handler gets the client's address, and request and response bodies stream", async () => {
  // The per-client stream cap keys on the address: the glue must pass the socket's.
  const http = await listenNodeHttp(async (request, info) => {
    const body = await request.text();
    return new Response(`${info?.remoteAddress} ${request.method} ${body.length}`, {
      headers: [["set-cookie", "a=1"], ["set-cookie", "b=2"]],
    });
  }, { port: 0, hostname: "127.0.0.1" });
  try {
    // A body sent as a stream of chunks, of unknown length.
    const chunks = ["x".repeat(70_000), "y".repeat(70_000)];
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(next));
      },
    });
    const r = await fetch(`http://127.0.0.1:${http.port}/`, {
      method: "POST",
      body,
      duplex: "half",
    } as RequestInit);
    assert.match(await r.text(), /^(::ffff:)?127\.0\.0\.1 POST 140000$/);
    assert.deepEqual(r.headers.getSetCookie(), ["a=1", "b=2"]);
  } finally {
    await http.close();
  }
});

test("a body over maxBody gets its 413 whole, not a reset, with or without a length", async () => {
  // The app answers before reading the body (or after reading part of it); the client is still
  // sending. Closing the socket with those bytes unread would reset it: the glue drops them.
  const s = await start({ maxBody: 1024 });
  try {
    const big = JSON.stringify({ task: "echo", input: "x".repeat(3_000_000) });
    const sized = await call(`${s.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    assert.equal(sized.status, 413);
    assert.equal(sized.body.error.code, "body_too_large");
    const bytes = new TextEncoder().encode(big);
    const streamed = await call(`${s.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < bytes.length; i += 65_536) c.enqueue(bytes.slice(i, i + 65_536));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    assert.equal(streamed.status, 413);
    const after = await call(`${s.url}/jobs?wait=5000`, { json: { task: "echo", input: 1 } });
    assert.equal(after.body.result, 1, "the server keeps serving");
  } finally {
    await s.close();
  }
});

test("close waits for an answer in flight, ends idle connections, and frees the port", async () => {
  const s = await start();
  const gate = `/tmp/workloom-node-http-${crypto.randomUUID()}`;
  const waiting = call(`${s.url}/jobs?wait=5000`, {
    json: { task: "gated", input: { gate, value: "done" } },
  });
  await until(() => s.server.runner.counts().running === 1, "the job running");
  // A kept-alive idle connection must not hold the close.
  const idle = await fetch(`${s.url}/healthz`);
  await idle.text();
  let closed = false;
  const closing = s.http.close().then(() => closed = true);
  await settle();
  assert.equal(closed, false, "close waits for the answer in flight");
  await import("node:fs").then((fs) => fs.writeFileSync(gate, ""));
  const answer = await waiting;
  assert.equal(answer.body.result, "done");
  await closing;
  await assert.rejects(fetch(`${s.url}/healthz`));
  await s.close();
});

/** Lets pending I/O callbacks run (a pause, never relied on for a result to pass). */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}
