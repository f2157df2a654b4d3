// A real node process on a real redis-server with AOF on (appendfsync always) that is killed
// with SIGKILL and started again on the same port and folder: the outage is answered 503, a
// submission refused during it never becomes a job, every job accepted before it ends final
// with one recorded outcome, and the node takes jobs again by itself, logging the outage in a
// few lines rather than one per retry.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { call } from "../server/server_helpers.ts";
import { startNodeProcess } from "./node_process.ts";
import { jobCount, recorded, runtimeKey, timed } from "./outage_helpers.ts";
import { scratch, until } from "./redis_helpers.ts";
import { startRedis } from "./redis_server.ts";

const DEADLINE_MS = 1000;

test(
  "Redis killed (SIGKILL) and restarted with AOF: 503 queue_unavailable and /readyz 503 while it is gone, no refused submission replayed, every accepted job final with one recorded outcome (one that ended during the outage included), and the node takes jobs again by itself",
  { timeout: 120_000 },
  async () => {
    const redis = await startRedis({ aof: true });
    const dir = scratch();
    const gate = join(dir, "gate");
    const log = join(dir, "log");
    const node = await startNodeProcess(runtimeKey, redis.url, [
      "--redis-timeout",
      `${DEADLINE_MS}ms`,
      "--claim-idle",
      "60s",
    ]);
    try {
      const link = await redis.link();
      const held = await call(`${node.url}/jobs`, { json: { task: "hold", input: { gate } } });
      await until("the held job to run", async () => {
        const r = await call(`${node.url}/jobs/${held.body.id}`);
        return r.body.status === "running" ? true : undefined;
      });
      const marks = await call(`${node.url}/jobs/batch`, {
        json: [0, 1, 2, 3].map((n) => ({ task: "mark", input: { n, log, ms: 100 } })),
      });
      assert.equal(marks.status, 202);
      const accepted = [held.body.id, ...marks.body.map((j: { id: string }) => j.id)];
      assert.equal(await jobCount(link), accepted.length);
      const outputBefore = node.output().length;

      await redis.stop({ kill: true });
      const refused = await timed(`${node.url}/jobs`, { json: { task: "echo", input: "no" } });
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, "queue_unavailable");
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
      assert.ok(refused.ms < DEADLINE_MS + 2500, `answered after ${refused.ms} ms`);
      const batch = await timed(`${node.url}/jobs/batch`, { json: [{ task: "echo", input: 1 }] });
      assert.equal(batch.status, 503);
      const ready = await call(`${node.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(ready.body.error.message, /Redis/);
      // The held job ends while Redis is gone (the pool says so; it needs no Redis): its
      // outcome cannot be recorded now and must be, once, after the restart.
      writeFileSync(gate, "");
      await until("the held task to end in the pool", async () => {
        const tasks = (await call(`${node.url}/tasks`)).body.tasks as {
          name: string;
          stats: { count: number } | null;
        }[];
        return (tasks.find((t) => t.name === "hold")?.stats?.count ?? 0) >= 1 ? true : undefined;
      });

      await redis.restart();
      await until("/readyz to be 200 again", async () => {
        const r = await call(`${node.url}/readyz`);
        return r.status === 200 ? true : undefined;
      });
      // This test's own connection reconnects on its own schedule, not the node's: the counts
      // below read through it (it was still offline once when the node was ready).
      await until(
        "the test's connection to answer again",
        () => link.send(["PING"]).then(() => true, () => undefined),
      );
      // The node retries a finish at most a second apart, and the marks take 100 ms each; 4 s a
      // job was once not enough under the full suite on Bun (a job still running after the
      // restart), so 8 s, as before the claims check's speed-up.
      for (const id of accepted) {
        const r = await call(`${node.url}/jobs/${id}?wait=8000`);
        assert.equal(r.body.status, "succeeded", `${id}: ${JSON.stringify(r.body)}`);
      }
      const fresh = await call(`${node.url}/jobs?wait=8000`, { json: { task: "echo", input: 7 } });
      assert.equal(fresh.body.status, "succeeded", "the node takes jobs again by itself");
      assert.equal(
        await jobCount(link),
        accepted.length + 1,
        "a submission answered 503 became a job after the restart",
      );
      assert.equal(await recorded(link), accepted.length + 1, "one recorded outcome per job");
      const ends = readFileSync(log, "utf8").split("\n").filter((l) => l.startsWith("end "));
      assert.ok(ends.length >= 4, `every mark ran: ${ends.length}`);

      // The outage is told in a few lines (start, summaries, end), not one per retry.
      const told = node.output().slice(outputBefore);
      const lines = told.split("\n").filter((l) => /Redis at /.test(l));
      assert.ok(lines.some((l) => /answers again/.test(l)), told);
      assert.ok(lines.length <= 6, `${lines.length} lines about Redis:\n${told}`);
    } finally {
      await node.stop();
      await redis.close();
    }
  },
);
