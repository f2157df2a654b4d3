// Rate limits on a Redis queue: the window log lives in Redis and the take script checks and
// updates it in its atomic step, so the limit holds across nodes. A key limited to 5 per second
// (the nodes' --rate-limit flag) starts at most 5 jobs in any 1 s window across a Deno and a Bun
// node (child processes of `workloom serve --queue`), while an unlimited key runs beside it;
// and two in-process nodes apply the server's per-key and per-task limits together.
import { test } from "node:test";
import assert from "node:assert/strict";
import { finished, type Job, mostInWindow, submit } from "./rate_limit_helpers.ts";
import { call } from "../server/server_helpers.ts";
import { type InProcessNode, scratch, startNode, until } from "../redis/redis_helpers.ts";
import { type NodeProcess, startNodeProcess } from "../redis/node_process.ts";
import { startRedis } from "../redis/redis_server.ts";

const DEADLINE_MS = 30_000;
const LONG = { timeout: 60_000 };

/** Each job's start time (ms, Redis's clock). */
async function startsOf(link: { send(a: string[]): Promise<unknown> }, ids: string[]) {
  return await Promise.all(ids.map(async (id) => {
    return { at: Number(await link.send(["HGET", `{workloom}:job:${id}`, "startedAt"])) };
  }));
}

test(
  "a key limited to 5 per second starts at most 5 jobs in any 1 s window across a Deno and a Bun node; another key runs unlimited beside it",
  LONG,
  async () => {
    const redis = await startRedis();
    const procs: NodeProcess[] = [];
    try {
      const link = await redis.link();
      // The limit is each node's --rate-limit flag: the same on both, as it must be.
      const args = [
        "--rate-limit",
        "A=5/1s",
        "--key-concurrency",
        "100",
        "--max-queue-per-key",
        "1000",
        "--max-queue-per-client",
        "1000",
      ];
      procs.push(await startNodeProcess("deno", redis.url, ["--node-id", "deno-a", ...args]));
      procs.push(await startNodeProcess("bun", redis.url, ["--node-id", "bun-b", ...args]));
      const [deno, bun] = procs;
      const a = await submit(
        deno.url,
        Array.from(
          { length: 16 },
          (_, i) => ({ task: "pid", input: i, concurrencyKey: "A" }),
        ),
      );
      const b = await submit(
        bun.url,
        Array.from({ length: 16 }, (_, i) => ({ task: "echo", input: i, concurrencyKey: "B" })),
      );
      const waiting = await until("a job waiting for A's limit", async () => {
        for (const id of a) {
          const j: Job = (await call(`${bun.url}/jobs/${id}`)).body;
          if (j.waitingFor === "rate_limit") return j;
        }
      }, 5000);
      assert.equal(waiting.status, "queued");
      assert.ok(waiting.notBefore !== undefined);
      const metrics = String((await call(`${deno.url}/metrics`)).body);
      assert.match(metrics, /^workloom_jobs_rate_limited\{key="A"\} [1-9]/m);

      const bJobs = await finished(deno.url, b, DEADLINE_MS);
      const aJobs = await finished(deno.url, a, DEADLINE_MS);
      const aStarts = await startsOf(link, a);
      const bStarts = await startsOf(link, b);
      assert.equal(mostInWindow(aStarts.map((s) => s.at), 1000), 5, JSON.stringify(aStarts));
      assert.ok(mostInWindow(bStarts.map((s) => s.at), 1000) > 5);
      const lastB = Math.max(...bStarts.map((s) => s.at));
      assert.ok(lastB < Math.min(...aStarts.map((s) => s.at)) + 2000, "B waited behind A's limit");
      assert.equal(bJobs.length, 16);
      const pids = new Set(aJobs.map((j) => (j as { result?: number }).result));
      console.log(`key A ran in ${pids.size} of the 2 node processes`);
    } finally {
      for (const p of procs) await p.kill();
      await redis.close();
    }
  },
);

test(
  "two nodes apply the server's per-key and per-task limits and a job's own limit together",
  LONG,
  async () => {
    const redis = await startRedis();
    const nodes: InProcessNode[] = [];
    try {
      const link = await redis.link();
      for (const id of ["x", "y"]) {
        nodes.push(
          await startNode(redis.url, { nodeId: id }, {
            keyConcurrency: 100,
            keyRateLimits: { K: { max: 3, windowMs: 500 } },
            taskRateLimits: { mark: { max: 2, windowMs: 500 } },
          }, 2),
        );
      }
      const log = `${scratch()}/marks`;
      const k = await submit(
        nodes[0].url,
        Array.from({ length: 9 }, (_, i) => ({ task: "echo", input: i, concurrencyKey: "K" })),
      );
      const m = await submit(
        nodes[1].url,
        Array.from(
          { length: 6 },
          (_, i) => ({ task: "mark", input: { n: i, log }, concurrencyKey: `m${i}` }),
        ),
      );
      const own = await submit(
        nodes[1].url,
        Array.from({ length: 6 }, (_, i) => ({
          task: "echo",
          input: i,
          concurrencyKey: "J",
          rateLimit: { max: 2, windowMs: 500 },
        })),
      );
      await finished(nodes[0].url, own, DEADLINE_MS);
      await finished(nodes[1].url, k, DEADLINE_MS);
      await finished(nodes[0].url, m, DEADLINE_MS);
      const kStarts = await startsOf(link, k);
      const mStarts = await startsOf(link, m);
      assert.equal(mostInWindow(kStarts.map((s) => s.at), 500), 3, JSON.stringify(kStarts));
      assert.equal(mostInWindow(mStarts.map((s) => s.at), 500), 2, JSON.stringify(mStarts));
      const ownStarts = await startsOf(link, own);
      assert.equal(mostInWindow(ownStarts.map((s) => s.at), 500), 2, JSON.stringify(ownStarts));
    } finally {
      for (const n of nodes) await n.close();
      await redis.close();
    }
  },
);
