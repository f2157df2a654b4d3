// The host check against DNS rebinding, over raw sockets so that the test writes the request
// line and the Host header itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { type Running, startServer } from "./server_helpers.ts";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Sends `head` (request line and headers, CRLF-separated, no final blank line) and reads the answer. */
function raw(url: string, head: string, body = ""): Promise<{ status: number; text: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => {
      const length = body === ""
        ? ""
        : `\r\nContent-Length: ${new TextEncoder().encode(body).length}`;
      socket.write(`${head}${length}\r\nConnection: close\r\n\r\n${body}`);
    });
    let text = "";
    socket.setEncoding("utf8");
    // A server that never answers fails the test rather than hanging it.
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${head}`)));
    socket.on("data", (d) => (text += d));
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text });
    });
  });
}

async function withServer(
  options: Parameters<typeof startServer>[0],
  body: (s: Running) => Promise<void>,
): Promise<void> {
  const s = await startServer(options);
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

test("without a token, requests naming a loopback host are answered, on any port", async () => {
  await withServer({}, async (s) => {
    for (const host of ["localhost", "127.0.0.1", "[::1]", "LOCALHOST:8787", "127.0.0.1:1"]) {
      const r = await raw(s.url, `GET /tasks HTTP/1.1\r\nHost: ${host}`);
      assert.equal(r.status, 200, `${host}: ${r.text}`);
    }
  });
});

test("without a token, a foreign or missing Host gets 421 host_not_allowed, probes included", async () => {
  await withServer({}, async (s) => {
    const foreign = [
      "GET /tasks HTTP/1.1\r\nHost: evil.example",
      "GET /tasks HTTP/1.1\r\nHost: localhost.evil.example",
      "GET /tasks HTTP/1.1\r\nHost: 127.0.0.1.evil.example:8787",
      "GET /healthz HTTP/1.1\r\nHost: evil.example",
      "GET / HTTP/1.1\r\nHost: evil.example",
      // HTTP/1.0 allows leaving Host out: nothing then says the request is for this machine.
      "GET /tasks HTTP/1.0",
    ];
    for (const head of foreign) {
      const r = await raw(s.url, head);
      assert.equal(r.status, 421, `${head}: ${r.text}`);
      assert.match(r.text, /"code":"host_not_allowed"/);
    }
    const post = await raw(
      s.url,
      "POST /jobs HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json",
      '{"task":"echo","input":1}',
    );
    assert.equal(post.status, 421, post.text);
    assert.equal(s.server.runner.counts().queued + s.server.runner.counts().running, 0);
    // HTTP/1.1 requires Host: Bun refuses the request itself (400) before the app sees it.
    const missing = await raw(s.url, "GET /tasks HTTP/1.1");
    assert.equal(missing.status, isBun ? 400 : 421, missing.text);
  });
});

test("an absolute-form request naming another host gets 421 where the runtime shows the target", async () => {
  await withServer({}, async (s) => {
    const r = await raw(s.url, "GET http://evil.example/tasks HTTP/1.1\r\nHost: 127.0.0.1");
    // Bun builds the request's URL from Host and drops the target's host: the request is then
    // one for 127.0.0.1, as its Host says.
    assert.equal(r.status, isBun ? 200 : 421, r.text);
    const back = await raw(s.url, "GET http://127.0.0.1/tasks HTTP/1.1\r\nHost: evil.example");
    assert.equal(back.status, 421, back.text);
  });
});

test("allowedHosts adds names; a token turns the host check off", async () => {
  await withServer({ allowedHosts: ["jobs.internal", "10.1.2.3"] }, async (s) => {
    for (const host of ["jobs.internal", "JOBS.internal:80", "10.1.2.3:8787", "localhost"]) {
      assert.equal((await raw(s.url, `GET /tasks HTTP/1.1\r\nHost: ${host}`)).status, 200, host);
    }
    const other = await raw(s.url, "GET /tasks HTTP/1.1\r\nHost: jobs.internal.evil.example");
    assert.equal(other.status, 421);
  });
  await withServer({ token: "t0k" }, async (s) => {
    const r = await raw(
      s.url,
      "GET /tasks HTTP/1.1\r\nHost: public.example\r\nAuthorization: Bearer t0k",
    );
    assert.equal(r.status, 200, r.text);
  });
});
