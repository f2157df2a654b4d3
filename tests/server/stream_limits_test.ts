// Event streams and request bodies cannot hurt the server, whatever the client does: a client
// that never reads costs a bounded amount of memory and is cut off, streams are capped in all and
// per client, and a body that trickles in answers 408. Clients here are raw sockets, so that the
// test controls exactly what is read and sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { until, within } from "../fixtures/pool_helpers.ts";
import { call, startServer } from "./server_helpers.ts";

/** Opens a socket to `url`'s port and sends `head` (and no more). */
async function rawSocket(
  url: string,
  head: string,
): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  const port = Number(new URL(url).port);
  const socket = connect({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let text = "";
  socket.on("data", (chunk) => text += chunk.toString("latin1"));
  const closed = new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.once("error", () => resolve());
  });
  socket.write(head);
  return { socket, text: () => text, closed };
}

const eventsRequest = (id: string) =>
  `GET /jobs/${id}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`;

/** `workloom serve` of the server fixture tasks as a child process on the runtime under test. */
async function serveProcess(): Promise<{ url: string; rssMb: () => number; kill: () => void }> {
  const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const serve = [
    "src/cli/cli.ts",
    "serve",
    "--tasks",
    "tests/fixtures/server_tasks.ts",
    "--port",
    "0",
  ];
  const child = spawn(
    `${root}node_modules/.bin/${isDeno ? "deno" : "bun"}`,
    isDeno ? ["run", "-A", "--no-check", ...serve] : serve,
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  await until(() => /listening at http:\/\/\S+/.test(out) || child.exitCode !== null, "serve");
  const url = /listening at (http:\/\/\S+)/.exec(out)?.[1];
  if (!url) throw new Error(`serve did not start: ${out}`);
  return {
    url,
    rssMb: () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) / 1024,
    kill: () => child.kill("SIGKILL"),
  };
}

test("a client that stops reading is cut off after streamStallMs and its slot comes back", async () => {
  const s = await startServer({ streamStallMs: 300 });
  try {
    // 100 values of 1 MB fill any socket buffer, then the job keeps running and reporting: the
    // stream can end only by being cut.
    const job = await call(`${s.url}/jobs`, {
      json: {
        task: "floodProgress",
        input: { count: 100, bytes: 1 << 20, holdMs: 30_000, everyMs: 100 },
      },
    });
    const { socket, closed } = await rawSocket(s.url, eventsRequest(job.body.id));
    socket.pause();
    await until(() => s.server.openStreams === 1, "the stream to open");
    // Cut about a second after the job starts (the buffers fill, then 300 ms of stall): 6 s is
    // ample on a loaded machine, and a stream never cut fails here in 6 s rather than 15.
    await until(() => s.server.openStreams === 0, "the stalled stream to be cut", 6_000).catch(
      (e) => {
        socket.destroy();
        throw e;
      },
    );
    assert.equal((await call(`${s.url}/jobs/${job.body.id}`)).body.status, "running");
    // The connection is closed once what the kernel holds is read (Deno resets it at once).
    socket.resume();
    await within(closed, 10_000, "the connection to close");
    await call(`${s.url}/jobs/${job.body.id}`, { method: "DELETE" });
  } finally {
    await s.close();
  }
});

test("event streams past maxStreams or maxStreamsPerClient answer 429 too_many_streams", async () => {
  const s = await startServer({ maxStreams: 3, maxStreamsPerClient: 2 });
  try {
    const job = await call(`${s.url}/jobs`, { json: { task: "sleep", input: 5000 } });
    const url = `${s.url}/jobs/${job.body.id}/events`;
    const a = new AbortController();
    const b = new AbortController();
    const first = await fetch(url, { signal: a.signal });
    const second = await fetch(url, { signal: b.signal });
    assert.deepEqual([first.status, second.status], [200, 200]);
    const third = await call(url);
    assert.equal(third.status, 429);
    assert.equal(third.body.error.code, "too_many_streams");
    assert.match(third.body.error.message, /maxStreamsPerClient/);
    assert.ok(Number(third.headers.get("retry-after")) > 0);
    // The dashboard's stream counts against the same caps.
    assert.equal((await call(`${s.url}/dashboard/events`)).status, 429);
    a.abort();
    await first.body?.cancel().catch(() => {});
    await until(() => s.server.openStreams === 1, "the closed stream's slot to come back");
    const again = new AbortController();
    const fourth = await fetch(url, { signal: again.signal });
    assert.equal(fourth.status, 200);
    b.abort();
    again.abort();
    await second.body?.cancel().catch(() => {});
    await fourth.body?.cancel().catch(() => {});
  } finally {
    await s.close();
  }
});

test("the server-wide cap holds across clients: maxStreams", async () => {
  const s = await startServer({ maxStreams: 2, maxStreamsPerClient: 10 });
  try {
    const job = await call(`${s.url}/jobs`, { json: { task: "sleep", input: 5000 } });
    const url = `${s.url}/jobs/${job.body.id}/events`;
    const held = [new AbortController(), new AbortController()];
    const open = await Promise.all(held.map((c) => fetch(url, { signal: c.signal })));
    assert.deepEqual(open.map((r) => r.status), [200, 200]);
    const refused = await call(url);
    assert.equal(refused.status, 429);
    assert.match(refused.body.error.message, /maxStreams\b/);
    for (const c of held) c.abort();
    await Promise.all(open.map((r) => r.body?.cancel().catch(() => {})));
  } finally {
    await s.close();
  }
});

test("a request body that trickles in answers 408 body_timeout at bodyTimeoutMs", async () => {
  const s = await startServer({ bodyTimeoutMs: 300 });
  try {
    const body = JSON.stringify({ task: "echo", input: "x".repeat(150) });
    const raw = await rawSocket(
      s.url,
      `POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    // One byte every 100 ms: the whole body would take about 17 s.
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < body.length) raw.socket.write(body[sent++]);
    }, 100);
    try {
      await within(
        until(() => raw.text().includes("\r\n\r\n"), "an answer", 5000),
        6000,
        "the 408",
      );
    } finally {
      clearInterval(drip);
      raw.socket.destroy();
    }
    assert.match(raw.text(), /^HTTP\/1\.1 408/);
    assert.match(raw.text(), /body_timeout/);
    assert.ok(sent < body.length, "the answer came before the body was complete");
    // The server still answers a well-behaved client at once.
    const ok = await call(`${s.url}/jobs?wait=5000`, { json: { task: "echo", input: 1 } });
    assert.equal(ok.body.result, 1);
  } finally {
    await s.close();
  }
});

test("a body over maxBody without Content-Length answers 413 once the limit is passed", async () => {
  const s = await startServer({ maxBody: 1000 });
  try {
    const raw = await rawSocket(
      s.url,
      `POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = "x".repeat(600);
    try {
      raw.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      raw.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      await until(() => raw.text().includes("\r\n\r\n"), "an answer", 5000);
    } finally {
      raw.socket.destroy();
    }
    assert.match(raw.text(), /^HTTP\/1\.1 413/);
    assert.match(raw.text(), /body_too_large/);
  } finally {
    await s.close();
  }
});

// Last in the file: its two floods in fresh server processes take several seconds, which every
// claim on a test above would otherwise wait through before its own test ran (fail-fast).
test("a client that never reads its event stream costs the server bounded memory", async () => {
  // The case: 6,000 progress values of 32 kB, 192 MB if a stream kept them all. The same
  // flood runs in two fresh servers, one with nobody watching and one with a client that reads
  // nothing: the difference is what the stream holds (garbage not yet collected is in both).
  const input = { count: 6000, bytes: 32 * 1024, holdMs: 60_000 };
  const rss: number[] = [];
  for (const watched of [false, true]) {
    const server = await serveProcess();
    const sockets: Socket[] = [];
    try {
      const job = await call(`${server.url}/jobs`, { json: { task: "floodProgress", input } });
      if (watched) {
        const { socket } = await rawSocket(server.url, eventsRequest(job.body.id));
        sockets.push(socket);
        // The kernel's buffers fill, then the server must stop making events for it.
        socket.pause();
      }
      const last = `${input.count - 1}:`;
      for (;;) {
        const now = await call(`${server.url}/jobs/${job.body.id}`);
        if (String(now.body.progress).startsWith(last)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      rss.push(server.rssMb());
    } finally {
      for (const socket of sockets) socket.destroy();
      server.kill();
    }
  }
  const grown = rss[1] - rss[0];
  assert.ok(
    grown < 64,
    `RSS ${rss.map((r) => r.toFixed(0)).join(" → ")} MB: +${
      grown.toFixed(0)
    } MB for one client that reads nothing`,
  );
});
