// The client's event stream survives a dropped connection: it connects again by itself with
// `Last-Event-ID`, and the events it yields have no duplicate and no gap. The connection runs
// through a TCP proxy on loopback that the test cuts mid-stream, in front of the real server.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { createClient, type JobEvent } from "../../client.ts";
import { type RedisTasks, scratch, until } from "../redis/redis_helpers.ts";
import { startMemoryNode } from "../server/memory_node.ts";

interface Piped {
  client: Socket;
  upstream: Socket;
  /** What the client sent and what the server answered on this connection, as text. */
  sent: string;
  received: string;
}

/** A TCP proxy on 127.0.0.1 to `port`; `cut()` drops every connection open now. */
async function startProxy(port: number) {
  const conns: Piped[] = [];
  const server = createServer((client) => {
    const upstream = connect(port, "127.0.0.1");
    const c: Piped = { client, upstream, sent: "", received: "" };
    conns.push(c);
    client.on("data", (d) => {
      c.sent += d;
      upstream.write(d);
    });
    upstream.on("data", (d) => {
      c.received += d;
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port: own } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${own}`,
    conns,
    cut() {
      for (const c of conns) {
        c.client.destroy();
        c.upstream.destroy();
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test("client.events() reconnects after the connection drops mid-stream, sends Last-Event-ID, and yields every event once", async () => {
  // Keep-alives every 50 ms: the server notices the cut quickly, and the test sees the new
  // stream live.
  const node = await startMemoryNode({ keepAliveMs: 50 });
  const proxy = await startProxy(Number(new URL(node.url).port));
  const dir = scratch();
  const go = (i: number) => writeFileSync(join(dir, `go-${i}`), "");
  try {
    const client = createClient<RedisTasks>(proxy.url);
    const job = await client.submit("steps", { dir, steps: 3 });
    const seen: JobEvent[] = [];
    const reading = (async () => {
      for await (const e of client.events(job.id, { reconnectDelayMs: 20 })) seen.push(e);
    })();
    const saw = (what: string, f: (e: JobEvent) => boolean) =>
      until(what, () => (seen.some(f) ? true : undefined), 10_000);
    await saw("the job running", (e) => e.job.status === "running");
    go(1);
    await saw("progress 1", (e) => e.job.progress === 1);
    const lastId = seen.at(-1)!.id!;
    const before = proxy.conns.length;
    proxy.cut();
    // The client connects again, and the server streams on the new connection: due 20 ms
    // after the cut, with a keep-alive 50 ms later, so 3 s is ample on a loaded machine, and a
    // client that never reconnects fails here in 3 s rather than 10.
    const again = await until(
      "the client to reconnect",
      () =>
        proxy.conns.slice(before).find((c) =>
          /^GET [^ ]*\/events /.test(c.sent) && c.received.includes(": keep-alive")
        ),
      3_000,
    );
    go(2);
    await saw("progress 2", (e) => e.job.progress === 2);
    go(3);
    await reading;
    const ids = seen.map((e) => Number(e.id));
    // Every revision once, in order: nothing repeated, nothing skipped.
    assert.deepEqual(ids, ids.map((_, i) => ids[0] + i), `event ids ${ids}`);
    assert.deepEqual(
      seen.filter((e) => e.event === "progress").map((e) => e.job.progress),
      [1, 2, 3],
    );
    assert.equal(seen.at(-1)!.job.status, "succeeded");
    assert.equal(seen.at(-1)!.job.result, 3);
    // It resumed from the last event it saw.
    assert.match(again.sent, new RegExp(`\\r\\nlast-event-id: ${lastId}\\r\\n`, "i"));
  } finally {
    proxy.cut();
    await proxy.close();
    await node.close();
  }
});

test("client.events() gives up after `reconnects` failed connections in a row, and at once on a 4xx", async () => {
  const node = await startMemoryNode();
  const proxy = await startProxy(Number(new URL(node.url).port));
  try {
    const client = createClient<RedisTasks>(proxy.url);
    const missing = await (async () => {
      for await (const _ of client.events("nope", { reconnectDelayMs: 10 })) { /* none */ }
    })().catch((e) => e);
    assert.equal(missing.name, "JobServerError");
    assert.equal(missing.status, 404);
    assert.equal(proxy.conns.length, 1, "a 404 is not tried again");

    const dir = scratch();
    const job = await client.submit("steps", { dir, steps: 1 });
    // Nothing listens at the proxy's port any more: every connection is refused.
    proxy.cut();
    await proxy.close();
    const conns = proxy.conns.length;
    const t0 = performance.now();
    const refused = await (async () => {
      for await (const _ of client.events(job.id, { reconnects: 2, reconnectDelayMs: 10 })) {
        /* none */
      }
    })().catch((e) => e);
    assert.ok(refused instanceof Error, String(refused));
    assert.notEqual(refused.name, "JobServerError");
    assert.equal(proxy.conns.length, conns, "no connection got through");
    assert.ok(performance.now() - t0 < 5000, "it gave up quickly");
    assert.throws(
      () => client.events(job.id, { reconnects: -1 }),
      (e: Error) => e instanceof RangeError && /'reconnects'.*-1/.test(e.message),
    );
    writeFileSync(join(dir, "go-1"), "");
  } finally {
    proxy.cut();
    await node.close();
  }
});
