// The queue on a redis-server that takes TLS connections (a private CA made here with openssl) as
// an ACL user limited to the queue's keys and the commands of the ACL line in docs/redis.md (read
// from there, so the documented line is the tested one): every part of the queue works through
// it, the CA given is the one that checks Redis's certificate, and the user reaches no other key.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { call } from "../server/server_helpers.ts";
import { startNodeProcess } from "./node_process.ts";
import { scratch, startNode, until } from "./redis_helpers.ts";
import { startTlsRedis, type TlsRedis } from "./redis_tls.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const PASSWORD = "s3cret-Pw";
let redis: TlsRedis;
let url: string;

/** The ACL line of docs/redis.md, its words as ACL SETUSER takes them. */
function documentedAcl(): string[] {
  const docs = readFileSync(new URL("../../docs/redis.md", import.meta.url), "utf8");
  const line = /^ACL SETUSER workloom .*$/m.exec(docs)?.[0];
  assert.ok(line, "docs/redis.md has the ACL SETUSER line");
  return line.split(" ").slice(2).map((w) => (w === ">change-me" ? `>${PASSWORD}` : w));
}

before(async () => {
  redis = await startTlsRedis();
  assert.equal(await redis.admin.send(["ACL", "SETUSER", ...documentedAcl()]), "OK");
  url = redis.tlsUrl.replace("rediss://", `rediss://workloom:${PASSWORD}@`);
});
after(async () => {
  await redis.close();
});

test(
  "over TLS as the documented ACL user: submit, run, retry, delay, cancel, takeover, expiry and listings all work, and Redis denied nothing",
  {
    timeout: 60_000,
  },
  async () => {
    const dir = scratch();
    const queue = { ca: redis.ca, claimIdleMs: 600, pollMs: 50 };
    const server = { jobTtlMs: 500, sweepIntervalMs: 50 };
    const a = await startNode(url, { ...queue, nodeId: "a" }, server, 1);
    let b: Awaited<ReturnType<typeof startNode>> | undefined;
    try {
      const done = await call(`${a.url}/jobs?wait=10000`, { json: { task: "echo", input: 1 } });
      assert.equal(done.body.status, "succeeded", JSON.stringify(done.body));
      const failed = await call(`${a.url}/jobs?wait=10000`, {
        json: { task: "fail", input: { log: `${dir}/log` }, attempts: 2 },
      });
      assert.equal(failed.body.status, "failed");
      assert.equal(failed.body.attempts, 2);
      const later = await call(`${a.url}/jobs?wait=10000`, {
        json: { task: "echo", input: 2, delayMs: 100 },
      });
      assert.equal(later.body.status, "succeeded");
      const delayed = await call(`${a.url}/jobs`, {
        json: { task: "echo", input: 3, delayMs: 60_000 },
      });
      assert.equal(
        (await call(`${a.url}/jobs/${delayed.body.id}`, { method: "DELETE" })).status,
        200,
      );
      // A job held by node a, which is closed without handing it back: b takes it over.
      const held = await call(`${a.url}/jobs`, {
        json: { task: "hold", input: { gate: `${dir}/gate` } },
      });
      await until("the job to run", async () => {
        const r = await call(`${a.url}/jobs/${held.body.id}`);
        return r.body.status === "running" ? true : undefined;
      });
      b = await startNode(url, { ...queue, nodeId: "b" }, server, 1);
      assert.equal((await call(`${b.url}/nodes`)).status, 200);
      assert.equal((await call(`${b.url}/jobs`)).status, 200);
      assert.equal((await call(`${b.url}/readyz`)).status, 200);
      await a.server.close({ timeoutMs: 0 });
      // Its pool still runs the task; the gate lets b's run (after the takeover) end.
      writeFileSync(`${dir}/gate`, "");
      const taken = await call(`${b.url}/jobs/${held.body.id}?wait=10000`);
      assert.equal(taken.body.status, "succeeded", JSON.stringify(taken.body));
      // Finished jobs expire (the upkeep script runs as the user) into a tombstone, which lives
      // one more TTL.
      const fresh = await call(`${b.url}/jobs?wait=10000`, { json: { task: "echo", input: 4 } });
      await until("the job to expire", async () => {
        const r = await call(`${b!.url}/jobs/${fresh.body.id}`);
        return r.status === 410 ? true : undefined;
      });
      const denied = (await redis.admin.send(["ACL", "LOG"])) as unknown[];
      assert.deepEqual(denied, [], "Redis denied the user a command or a key");
    } finally {
      await b?.close();
      await a.close();
    }
  },
);

test("the user reaches no key but the queue's", async () => {
  const other = await redis.admin.send(["ACL", "DRYRUN", "workloom", "GET", "{other}:jobs"]);
  assert.match(String(other), /no permissions to access the '\{other\}:jobs' key/);
  const own = await redis.admin.send(["ACL", "DRYRUN", "workloom", "GET", "{workloom}:bytes"]);
  assert.equal(own, "OK");
});

test("the CA given checks Redis's certificate: another CA's is refused, and plain redis:// is not TLS", async () => {
  const otherCa = readFileSync(redis.otherCaFile, "utf8");
  await assert.rejects(startNode(url, { ca: otherCa }), /certificate|self.signed|verify/i);
  await assert.rejects(
    startNode(url.replace("rediss://", "redis://"), { commandTimeoutMs: 500 }),
    /Redis did not accept a connection/,
  );
});

test(
  `serve --queue rediss://… --queue-ca <file> on ${
    isDeno ? "Deno" : "Bun"
  }: the node serves over TLS and never prints the password`,
  {
    timeout: 60_000,
  },
  async () => {
    const node = await startNodeProcess(isDeno ? "deno" : "bun", url, ["--queue-ca", redis.caFile]);
    try {
      const r = await call(`${node.url}/jobs?wait=10000`, { json: { task: "echo", input: "tls" } });
      assert.equal(r.body.result, "tls", JSON.stringify(r.body));
      assert.ok(!node.output().includes(PASSWORD), node.output());
    } finally {
      await node.stop();
    }
  },
);
