// Schedules on a Redis queue: four nodes share one real redis-server (a Deno and a Bun node as
// child processes of `workloom serve --queue`, ticking on their own, and two nodes in this
// process whose ticks the test fires at the same instant, the worst race), one process killed
// mid-run: each tick makes exactly one job, none is lost; pause and resume hold across nodes;
// and schedules live in Redis, seen by every node and by a node started later.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cron } from "croner";
import type { RedisLink } from "../../redis.ts";
import { call } from "../server/server_helpers.ts";
import { type InProcessNode, startNode, until } from "../redis/redis_helpers.ts";
import { type NodeProcess, startNodeProcess } from "../redis/node_process.ts";
import { startRedis } from "../redis/redis_server.ts";

// Bun's default per-test timeout is 5 s; these tests bound their own waits.
const LONG = { timeout: 60_000 };

interface Run {
  at: number;
  jobId?: string;
}

async function runsOf(link: RedisLink, id: string): Promise<Run[]> {
  const raw = (await link.send(["LRANGE", `{workloom}:sched-runs:${id}`, "0", "-1"])) as string[];
  return raw.map((r) => JSON.parse(r)).reverse();
}

test(
  "an every-second schedule on four nodes, one killed mid-run, makes exactly one job per tick and loses none; pause and resume hold",
  LONG,
  async () => {
    const redis = await startRedis();
    const procs: NodeProcess[] = [];
    const inProcess: InProcessNode[] = [];
    let hammering = true;
    let hammer: Promise<void> = Promise.resolve();
    try {
      const link = await redis.link();
      procs.push(await startNodeProcess("deno", redis.url, ["--node-id", "deno-a"]));
      procs.push(await startNodeProcess("bun", redis.url, ["--node-id", "bun-b"]));
      // Their own tickers are slowed down: the test fires theirs, both at once.
      for (const id of ["here-c", "here-d"]) {
        inProcess.push(await startNode(redis.url, { nodeId: id }, { schedulePollMs: 60_000 }, 1));
      }
      const [deno, bun] = procs;
      const made = await call(`${deno.url}/schedules`, {
        json: { id: "tick", everyMs: 1000, task: "echo", input: "t" },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      hammer = (async () => {
        while (hammering) {
          await Promise.all(inProcess.map((n) => n.server.schedules.tick()));
          await new Promise((r) => setTimeout(r, Math.random() * 100));
        }
      })();
      await until(
        "3 ticks",
        async () => (await runsOf(link, "tick")).length >= 3 || undefined,
        10_000,
      );
      await bun.kill();
      await until(
        "6 ticks",
        async () => (await runsOf(link, "tick")).length >= 6 || undefined,
        10_000,
      );

      // Paused from a node that did not create it: no node fires it any more.
      const paused = await call(`${inProcess[0].url}/schedules/tick`, {
        method: "PATCH",
        json: { paused: true },
      });
      assert.equal(paused.body.paused, true);
      const atPause = await runsOf(link, "tick");
      const jobsAtPause = Number(await link.send(["ZCARD", "{workloom}:jobs"]));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await runsOf(link, "tick")).length, atPause.length, "a paused schedule fired");
      assert.equal(Number(await link.send(["ZCARD", "{workloom}:jobs"])), jobsAtPause);

      const resumedAt = Date.now();
      const resumed = await call(`${deno.url}/schedules/tick`, {
        method: "PATCH",
        json: { paused: false },
      });
      assert.equal(resumed.body.paused, false);
      const runs = await until("a tick after resuming", async () => {
        const r = await runsOf(link, "tick");
        return r.length > atPause.length ? r : undefined;
      }, 10_000);
      await call(`${deno.url}/schedules/tick`, { method: "PATCH", json: { paused: true } });
      hammering = false;
      await hammer;
      const all = await runsOf(link, "tick");

      // Before the pause: every tick once, consecutive (none lost, none twice).
      const before = atPause.map((r) => r.at);
      assert.equal(new Set(before).size, before.length, `a tick ran twice: ${before}`);
      for (let i = 1; i < before.length; i++) {
        assert.equal(before[i] - before[i - 1], 1000, `a tick was lost: ${before}`);
      }
      // After resuming: no tick of the paused time was run.
      assert.ok(runs[atPause.length].at >= resumedAt - 1000, "a paused tick ran after resuming");
      // One job per run, each a distinct job of the queue.
      const ids = all.map((r) => r.jobId);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(Number(await link.send(["ZCARD", "{workloom}:jobs"])), all.length);
      const done = await until("the jobs", async () => {
        const j = (await call(`${deno.url}/jobs?task=echo`)).body.jobs;
        return j.every((x: { status: string }) => x.status === "succeeded") ? j : undefined;
      }, 10_000);
      assert.equal(done.length, all.length);
      const listed = (await call(`${inProcess[1].url}/schedules`)).body.schedules[0];
      assert.equal(listed.lastRuns[0].jobId, all.at(-1)!.jobId);
      assert.equal(listed.lastRuns[0].status, "succeeded");
    } finally {
      hammering = false;
      await hammer;
      for (const n of inProcess) await n.close();
      for (const p of procs) await p.kill();
      await redis.close();
    }
  },
);

test(
  "schedules live in Redis: every node sees them, a node started later too; a cron in a time zone shows croner's instants",
  LONG,
  async () => {
    const redis = await startRedis();
    const nodes: InProcessNode[] = [];
    try {
      nodes.push(await startNode(redis.url, { nodeId: "a" }, { maxSchedules: 2 }, 1));
      const spec = { id: "paris", cron: "30 8 * * 1-5", timezone: "Europe/Paris", task: "echo" };
      assert.equal((await call(`${nodes[0].url}/schedules`, { json: spec })).status, 201);
      assert.equal(
        (await call(`${nodes[0].url}/schedules`, {
          json: { id: "s", everyMs: 3_600_000, task: "echo" },
        }))
          .status,
        201,
      );
      const full = await call(`${nodes[0].url}/schedules`, {
        json: { id: "t", everyMs: 3_600_000, task: "echo" },
      });
      assert.equal(full.status, 429);
      assert.equal(full.body.error.code, "schedules_full");
      nodes.push(await startNode(redis.url, { nodeId: "b" }, {}, 1));
      const seen = (await call(`${nodes[1].url}/schedules/paris`)).body;
      const expected = new Cron(spec.cron, { timezone: spec.timezone, paused: true })
        .nextRuns(3).map((d) => d.toISOString());
      assert.deepEqual(seen.nextRuns, expected);
      assert.equal(
        new Date(expected[0]).toLocaleString("en-GB", {
          timeZone: "Europe/Paris",
          hour: "2-digit",
          minute: "2-digit",
        }),
        "08:30",
      );
      assert.equal((await call(`${nodes[1].url}/schedules/s`, { method: "DELETE" })).status, 200);
      const left = (await call(`${nodes[0].url}/schedules`)).body.schedules;
      assert.deepEqual(left.map((s: { id: string }) => s.id), ["paris"]);
      // Room again for one more, counted in Redis.
      assert.equal(
        (await call(`${nodes[0].url}/schedules`, {
          json: { id: "t", everyMs: 3_600_000, task: "echo" },
        }))
          .status,
        201,
      );
    } finally {
      for (const n of nodes) await n.close();
      await redis.close();
    }
  },
);
