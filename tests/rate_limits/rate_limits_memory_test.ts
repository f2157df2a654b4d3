// Rate limits on the in-memory store, through the real server on a loopback port: a key
// limited to 5 per second starts at most 5 jobs in any 1 s window while an unlimited key runs
// beside it; a limited job says why it waits and until when, and /metrics counts it; a job's
// own rateLimit and a task's limit apply; bad limits are refused naming the option.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool } from "../../mod.ts";
import { createServer } from "../../server.ts";
import { finished, type Job, mostInWindow, submit } from "./rate_limit_helpers.ts";
import { call, serverTasksUrl, startServer } from "../server/server_helpers.ts";
import { until } from "../redis/redis_helpers.ts";

const DEADLINE_MS = 20_000;
const LONG = { timeout: 30_000 };

test(
  "a key limited to 5 per second starts at most 5 jobs in any 1 s window; an unlimited key runs beside it",
  LONG,
  async () => {
    const s = await startServer({
      keyRateLimits: { A: { max: 5, windowMs: 1000 } },
      keyConcurrency: 100,
      concurrency: 8,
    }, { maxWorkers: 2 });
    try {
      const a = await submit(
        s.url,
        Array.from({ length: 16 }, (_, i) => ({ task: "echo", input: i, concurrencyKey: "A" })),
      );
      const b = await submit(
        s.url,
        Array.from({ length: 16 }, (_, i) => ({ task: "echo", input: i, concurrencyKey: "B" })),
      );
      // A waiting job says why and until when; /metrics counts the key's waiting jobs.
      const waiting = await until("a job waiting for A's limit", async () => {
        for (const id of a) {
          const j: Job = (await call(`${s.url}/jobs/${id}`)).body;
          if (j.waitingFor === "rate_limit") return j;
        }
      }, 5000);
      assert.equal(waiting.status, "queued");
      assert.ok(Date.parse(waiting.notBefore!) > Date.now() - 1000, String(waiting.notBefore));
      const metrics = await call(`${s.url}/metrics`);
      const line = String(metrics.body).split("\n").find((l) =>
        l.startsWith('workloom_jobs_rate_limited{key="A"}')
      );
      assert.ok(line && Number(line.split(" ")[1]) >= 1, `no rate-limited series: ${line}`);

      const bJobs = await finished(s.url, b, DEADLINE_MS);
      const aJobs = await finished(s.url, a, DEADLINE_MS);
      const aStarts = aJobs.map((j) => Date.parse(j.startedAt!));
      assert.equal(mostInWindow(aStarts, 1000), 5, `A started ${aStarts}`);
      // B did not wait behind A's limit: all of it started before A's second window was over.
      const lastB = Math.max(...bJobs.map((j) => Date.parse(j.startedAt!)));
      assert.ok(
        lastB < Math.min(...aStarts) + 2000,
        "the unlimited key waited for the limited one",
      );
      assert.ok(mostInWindow(bJobs.map((j) => Date.parse(j.startedAt!)), 1000) > 5);
      assert.equal(aJobs.filter((j) => j.waitingFor !== undefined).length, 0);
    } finally {
      await s.close();
    }
  },
);

test(
  "a job's own rateLimit and a task's limit hold; bad limits are refused naming the option",
  LONG,
  async () => {
    const s = await startServer({
      taskRateLimits: { mark: { max: 2, windowMs: 500 } },
      keyConcurrency: 100,
      concurrency: 8,
    }, { maxWorkers: 2 });
    try {
      const own = await submit(
        s.url,
        Array.from({ length: 6 }, (_, i) => ({
          task: "echo",
          input: i,
          concurrencyKey: "C",
          rateLimit: { max: 3, windowMs: 500 },
        })),
      );
      const task = await submit(
        s.url,
        Array.from({ length: 6 }, (_, i) => ({ task: "mark", input: i })),
      );
      const ownStarts = (await finished(s.url, own, DEADLINE_MS)).map((j) =>
        Date.parse(j.startedAt!)
      );
      const taskStarts = (await finished(s.url, task, DEADLINE_MS)).map((j) =>
        Date.parse(j.startedAt!)
      );
      assert.equal(mostInWindow(ownStarts, 500), 3, `C started ${ownStarts}`);
      assert.equal(mostInWindow(taskStarts, 500), 2, `mark started ${taskStarts}`);
      const bad = await call(`${s.url}/jobs`, {
        json: { task: "echo", input: 1, rateLimit: { max: 0, windowMs: 1000 } },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /^rateLimit\.max:/);
    } finally {
      await s.close();
    }
    const pool = createPool(serverTasksUrl, { maxWorkers: 1 });
    try {
      await assert.rejects(
        createServer(pool, { keyRateLimits: { A: { max: 5, windowMs: 0 } } }),
        /'keyRateLimits\["A"\]\.windowMs' must be a whole number from 1 to 86400000: current value is 0/,
      );
    } finally {
      await pool.close();
    }
  },
);
