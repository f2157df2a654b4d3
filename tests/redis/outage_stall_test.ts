// A real node process on a real redis-server that is stalled with SIGSTOP and let go with
// SIGCONT: every route answers 503 queue_unavailable with Retry-After within the command
// deadline, readiness and the dashboard say so, and after the stall nothing the clients were
// refused happens behind their back while what was accepted finishes, recorded once.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { call } from "../server/server_helpers.ts";
import { startNodeProcess } from "./node_process.ts";
import {
  firstSnapshot,
  jobCount,
  recorded,
  runtimeKey,
  statusOf,
  timed,
} from "./outage_helpers.ts";
import { scratch, until } from "./redis_helpers.ts";
import { startRedis } from "./redis_server.ts";

const DEADLINE_MS = 500;
// What a loaded machine may add to the deadline before the answer is out; a hang is caught by
// the request's own bound.
const SLACK_MS = 2500;

test(
  "Redis stalled (SIGSTOP): every job route answers 503 queue_unavailable with Retry-After within the deadline, /readyz is 503 naming Redis and the dashboard shows it; resumed (SIGCONT): ready again, the running job finishes recorded once, a due delayed job runs at once, and nothing refused during the stall happens later",
  { timeout: 120_000 },
  async () => {
    const redis = await startRedis();
    const dir = scratch();
    const gate = join(dir, "gate");
    // A claim idle time longer than the stall: no takeover muddles what this test looks at.
    const node = await startNodeProcess(runtimeKey, redis.url, [
      "--redis-timeout",
      `${DEADLINE_MS}ms`,
      "--claim-idle",
      "60s",
    ]);
    let paused = false;
    try {
      const link = await redis.link();
      const held = await call(`${node.url}/jobs`, { json: { task: "hold", input: { gate } } });
      assert.equal(held.status, 202);
      const id = held.body.id;
      await until("the held job to run", async () => {
        const r = await call(`${node.url}/jobs/${id}`);
        return r.body.status === "running" ? true : undefined;
      });
      // Due in the middle of the stall: the node's takes then wait on Redis.
      const delayed = await call(`${node.url}/jobs`, {
        json: { task: "echo", input: "late", delayMs: 300 },
      });
      assert.equal(delayed.status, 202);
      assert.equal((await call(`${node.url}/readyz`)).status, 200);
      const before = await jobCount(link);
      assert.equal(before, 2);

      redis.pause();
      paused = true;
      const answers = {
        submit: await timed(`${node.url}/jobs`, { json: { task: "echo", input: "refused" } }),
        batch: await timed(`${node.url}/jobs/batch`, { json: [{ task: "echo", input: "b" }] }),
        read: await timed(`${node.url}/jobs/${id}`),
        list: await timed(`${node.url}/jobs`),
        cancel: await timed(`${node.url}/jobs/${id}`, { method: "DELETE" }),
      };
      for (const [route, a] of Object.entries(answers)) {
        assert.equal(a.status, 503, `${route}: ${JSON.stringify(a.body)}`);
        assert.equal(a.body.error.code, "queue_unavailable", route);
        assert.ok(Number(a.headers.get("retry-after")) >= 1, `${route}: Retry-After`);
        assert.ok(a.ms < DEADLINE_MS + SLACK_MS, `${route} answered after ${a.ms} ms`);
      }
      // The deadline is the one --redis-timeout set.
      assert.match(answers.submit.body.error.message, new RegExp(`within ${DEADLINE_MS} ms`));
      const ready = await timed(`${node.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.error.code, "queue_unavailable");
      assert.match(ready.body.error.message, /Redis/);
      assert.ok(ready.headers.get("retry-after"));
      const snapshot = await firstSnapshot(node.url);
      const queue = snapshot.queue as { reachable: boolean; problem?: string };
      assert.equal(queue.reachable, false);
      assert.match(queue.problem ?? "", /Redis/);
      assert.equal((await timed(`${node.url}/healthz`)).status, 200, "the process itself answers");
      // This node's own metrics still go out (only the shared node list is missing).
      const metrics = await timed(`${node.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(String(metrics.body), /^workloom_/m);

      redis.resume();
      paused = false;
      await until("/readyz to be 200 again", async () => {
        const r = await call(`${node.url}/readyz`);
        return r.status === 200 ? true : undefined;
      });
      // The node takes new jobs by itself. This submission goes through the same connection
      // after everything sent during the stall, so those commands have all run once it is in.
      const after = await call(`${node.url}/jobs`, { json: { task: "echo", input: 3 } });
      assert.equal(after.status, 202);
      assert.equal(await jobCount(link), before + 1, "a submission answered 503 became a job");
      assert.equal(await statusOf(link, id), "running", "a cancel answered 503 happened later");
      writeFileSync(gate, "");
      const done = await call(`${node.url}/jobs/${id}?wait=8000`);
      assert.equal(done.body.status, "succeeded");
      assert.equal(done.body.result, "released");
      // The delayed job came due during the stall and was handed to this node by a take it had
      // stopped waiting for: it runs now, not after a takeover (the claim idle time is 60 s).
      // Asked about after the held job ended, it has had that long already: 4 s more is ample
      // on a loaded machine, and one left claimed fails here in 4 s rather than 8.
      const late = await call(`${node.url}/jobs/${delayed.body.id}?wait=4000`);
      assert.equal(late.body.status, "succeeded", JSON.stringify(late.body));
      const third = await call(`${node.url}/jobs/${after.body.id}?wait=8000`);
      assert.equal(third.body.status, "succeeded");
      assert.equal(await recorded(link), 3, "one recorded outcome per job");
    } finally {
      if (paused) redis.resume();
      // A failed check leaves the held job running: released, the drain on SIGTERM is quick
      // instead of lasting until stop() kills the node 10 s later.
      writeFileSync(gate, "");
      await node.stop();
      await redis.close();
    }
  },
);

test(
  "a stall longer than --claim-idle takes nothing over when Redis resumes: the running job keeps its one delivery and finishes where it ran",
  { timeout: 120_000 },
  async () => {
    const redis = await startRedis();
    const dir = scratch();
    const gate = join(dir, "gate");
    const node = await startNodeProcess(runtimeKey, redis.url, [
      "--redis-timeout",
      "300ms",
      "--claim-idle",
      "1s",
      "--node-id",
      "stalled",
    ]);
    let paused = false;
    try {
      const link = await redis.link();
      const held = await call(`${node.url}/jobs`, { json: { task: "hold", input: { gate } } });
      await until("the held job to run", async () => {
        const r = await call(`${node.url}/jobs/${held.body.id}`);
        return r.body.status === "running" ? true : undefined;
      });
      redis.pause();
      paused = true;
      // Past the claim idle time twice over: from Redis's side, every claim looks abandoned.
      const t0 = performance.now();
      // The node notices by itself (its own commands time out), with no request to answer.
      await until("/readyz to be 503", async () => {
        const r = await timed(`${node.url}/readyz`);
        return r.status === 503 ? true : undefined;
      });
      while (performance.now() - t0 < 2500) await new Promise((r) => setTimeout(r, 100));
      redis.resume();
      paused = false;
      const [s] = (await link.send(["TIME"])) as [string, string];
      const resumedAt = Number(s) * 1000;
      await until("a heartbeat sent after the stall", async () => {
        const beat = Number(await link.send(["HGET", "{workloom}:beats", "stalled"]));
        return beat > resumedAt + 1000 ? true : undefined;
      });
      const pending =
        (await link.send(["XPENDING", "{workloom}:dispatch", "workers", "-", "+", 10])) as [
          string,
          string,
          number,
          number,
        ][];
      assert.equal(pending.length, 1);
      assert.equal(pending[0][1], "stalled");
      assert.equal(Number(pending[0][3]), 1, "the stall counted as one more delivery");
      writeFileSync(gate, "");
      const done = await call(`${node.url}/jobs/${held.body.id}?wait=8000`);
      assert.equal(done.body.status, "succeeded");
      assert.equal(done.body.attempts, 1);
    } finally {
      if (paused) redis.resume();
      // A failed check leaves the held job running: released, the drain on SIGTERM is quick
      // instead of lasting until stop() kills the node 10 s later.
      writeFileSync(gate, "");
      await node.stop();
      await redis.close();
    }
  },
);
