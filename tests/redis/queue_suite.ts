// The promises of the Redis queue behind the job server (results, idempotency, retries,
// delays, cancel, expiry, events across nodes), in this process, on whichever real Redis the
// test file gives: one redis-server (redis_queue_test.ts) or a three-master Redis Cluster
// (cluster_queue_test.ts). Each test uses a queue (prefix) of its own.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { call } from "../server/server_helpers.ts";
import { scratch, startNode, until } from "./redis_helpers.ts";

/** What the suite needs of a Redis: where it is, and how to stop it. */
export interface SomeRedis {
  url: string;
  close(): Promise<void>;
}

/**
 * Registers the suite's tests, named with `label` first, on the Redis `start` gives (started
 * once for the file); `prefixes` hears each queue's name.
 */
export function queueSuite(
  label: string,
  start: () => Promise<SomeRedis>,
  prefixes: string[] = [],
): void {
  let server: SomeRedis | undefined;
  const redis = () => server!;
  let n = 0;
  const prefix = () => {
    const p = `t${++n}`;
    prefixes.push(p);
    return p;
  };

  before(async () => {
    server = await start();
  });
  after(async () => {
    await server?.close();
  });

  test(
    label + "a job submitted to one node runs and its result is read from another node",
    async () => {
      const p = prefix();
      const a = await startNode(redis().url, { prefix: p });
      const b = await startNode(redis().url, { prefix: p });
      try {
        const sent = await call(`${a.url}/jobs?wait=10000`, {
          json: { task: "echo", input: { x: 1 } },
        });
        assert.equal(sent.status, 200);
        assert.equal(sent.body.status, "succeeded");
        const read = await call(`${b.url}/jobs/${sent.body.id}`);
        assert.deepEqual(read.body.result, { x: 1 });
        assert.equal(read.body.attempts, 1);
        const waited = await call(`${b.url}/jobs?wait=10000`, { json: { task: "echo", input: 2 } });
        assert.equal(waited.body.result, 2);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );

  test(label + "the same Idempotency-Key gives back the job, another body is 409", async () => {
    const node = await startNode(redis().url, { prefix: prefix() });
    try {
      const headers = { "idempotency-key": "k1" };
      const first = await call(`${node.url}/jobs`, { json: { task: "echo", input: 1 }, headers });
      const again = await call(`${node.url}/jobs`, { json: { task: "echo", input: 1 }, headers });
      assert.equal(again.status, 200);
      assert.equal(again.body.idempotent, true);
      assert.equal(again.body.id, first.body.id);
      const other = await call(`${node.url}/jobs`, { json: { task: "echo", input: 2 }, headers });
      assert.equal(other.status, 409);
      assert.equal(other.body.error.code, "idempotency_conflict");
    } finally {
      await node.close();
    }
  });

  test(
    label + "POST /jobs without ?wait= answers 202 with the job as submitted, not read back",
    async () => {
      // A read back is a round trip to Redis per request: the store is watched for one.
      const node = await startNode(redis().url, { prefix: prefix() });
      const store = node.server.store;
      const lookup = store.lookup.bind(store);
      let reads = 0;
      store.lookup = (id) => (reads++, lookup(id));
      try {
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          const r = await call(`${node.url}/jobs`, { json: { task: "echo", input: i } });
          assert.equal(r.status, 202);
          assert.equal(r.body.status, "queued", `job ${i}: ${JSON.stringify(r.body)}`);
          ids.push(r.body.id);
        }
        assert.equal(reads, 0, "no job was read back to answer its submission");
        for (const id of ids) {
          const done = await call(`${node.url}/jobs/${id}?wait=10000`);
          assert.equal(done.body.status, "succeeded");
        }
      } finally {
        await node.close();
      }
    },
  );

  test(label + "a task that throws runs again up to its attempts, then the job fails", async () => {
    const dir = scratch();
    const log = join(dir, "log");
    const node = await startNode(redis().url, { prefix: prefix() });
    try {
      const sent = await call(`${node.url}/jobs?wait=10000`, {
        json: { task: "fail", input: { log }, attempts: 3, backoffMs: 10 },
      });
      assert.equal(sent.body.status, "failed");
      assert.equal(sent.body.attempts, 3);
      assert.equal(sent.body.error.message, "always fails");
      assert.equal(readFileSync(log, "utf8").split("\n").filter(Boolean).length, 3);
    } finally {
      await node.close();
    }
  });

  test(label + "a delayed job runs no earlier than its time", async () => {
    const node = await startNode(redis().url, { prefix: prefix() });
    try {
      const sent = await call(`${node.url}/jobs`, {
        json: { task: "echo", input: 1, delayMs: 300 },
      });
      assert.equal(sent.body.status, "delayed");
      const done = await call(`${node.url}/jobs/${sent.body.id}?wait=10000`);
      assert.equal(done.body.status, "succeeded");
      const waited = Date.parse(done.body.startedAt) - Date.parse(sent.body.submittedAt);
      assert.ok(waited >= 300, `started ${waited} ms after submission`);
    } finally {
      await node.close();
    }
  });

  test(label + "cancelling a queued or running job records it cancelled once", async () => {
    const dir = scratch();
    const gate = join(dir, "gate");
    const node = await startNode(redis().url, { prefix: prefix() }, {}, 1);
    try {
      const running = await call(`${node.url}/jobs`, { json: { task: "hold", input: { gate } } });
      await until("the job to run", async () => {
        const r = await call(`${node.url}/jobs/${running.body.id}`);
        return r.body.status === "running" ? true : undefined;
      });
      const cancelled = await call(`${node.url}/jobs/${running.body.id}`, { method: "DELETE" });
      assert.equal(cancelled.body.status, "cancelled");
      const again = await call(`${node.url}/jobs/${running.body.id}`, { method: "DELETE" });
      assert.equal(again.status, 409);
      const missing = await call(`${node.url}/jobs/nope`, { method: "DELETE" });
      assert.equal(missing.status, 404);
    } finally {
      await node.close();
    }
  });

  test(label + "finished jobs expire into a tombstone (410) after the job TTL", async () => {
    const node = await startNode(redis().url, { prefix: prefix() }, { jobTtlMs: 200 });
    try {
      const sent = await call(`${node.url}/jobs?wait=10000`, { json: { task: "echo", input: 1 } });
      assert.equal(sent.body.status, "succeeded");
      const gone = await until("the job to expire", async () => {
        const r = await call(`${node.url}/jobs/${sent.body.id}`);
        return r.status === 410 ? r : undefined;
      });
      assert.equal(gone.body.error.code, "job_expired");
    } finally {
      await node.close();
    }
  });

  test(label + "event streams and listings see jobs run by another node", async () => {
    const p = prefix();
    const a = await startNode(redis().url, { prefix: p });
    const b = await startNode(redis().url, { prefix: p });
    try {
      const sent = await call(`${a.url}/jobs`, { json: { task: "echo", input: "e" } });
      const res = await fetch(`${b.url}/jobs/${sent.body.id}/events`);
      const text = await res.text();
      assert.match(text, /"status":"succeeded"/);
      const page = await call(`${b.url}/jobs?task=echo`);
      assert.ok(page.body.jobs.some((j: { id: string }) => j.id === sent.body.id));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test(
    label + "GET /nodes on any node lists every node with its runtime, workers and last heartbeat",
    async () => {
      const p = prefix();
      const a = await startNode(redis().url, { prefix: p, nodeId: "node-a" });
      const b = await startNode(redis().url, { prefix: p, nodeId: "node-b" });
      try {
        const nodes = await until("both nodes to report", async () => {
          const r = await call(`${a.url}/nodes`);
          return r.body.nodes.length === 2 ? r.body.nodes : undefined;
        });
        const ids = nodes.map((x: { id: string }) => x.id).sort();
        assert.deepEqual(ids, ["node-a", "node-b"]);
        for (const x of nodes) {
          assert.match(x.runtime, /^(deno|bun|node)$/);
          // Workers start with the first task: an idle node may have none yet.
          assert.ok(Number.isInteger(x.workers) && x.workers >= 0 && x.workers <= 2);
          assert.equal(x.capacity, 4, "twice the pool's target size of 2");
          assert.ok(Date.parse(x.lastHeartbeat) > 0);
        }
        // /metrics on either node has a series per node of the queue.
        const text = await (await fetch(`${b.url}/metrics`)).text();
        for (const id of ["node-a", "node-b"]) {
          assert.match(
            text,
            new RegExp(`workloom_node_workers\\{node="${id}",runtime="(deno|bun|node)"\\} \\d`),
          );
          assert.match(text, new RegExp(`workloom_node_last_heartbeat_seconds\\{node="${id}",`));
        }
      } finally {
        await a.close();
        await b.close();
      }
    },
  );
}
