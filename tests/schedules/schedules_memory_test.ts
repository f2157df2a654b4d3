// Schedules on the in-memory store, through the real server on a loopback port: the routes and
// their validation (each error names its field), the bounds, pause and resume, a cron
// expression in a time zone firing at croner's instants (a fake clock: the server's `now`, the
// ticker driven by hand), the one catch-up tick after a gap, and the ticker on the real clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cron } from "croner";
import { call, startServer } from "../server/server_helpers.ts";
import { until } from "../redis/redis_helpers.ts";

// Bun's default per-test timeout is 5 s.
const LONG = { timeout: 30_000 };

test(
  "POST /schedules validates each field and names it; the bounds answer 400 and 429",
  LONG,
  async () => {
    const s = await startServer({ maxSchedules: 2, minScheduleIntervalMs: 2000 });
    try {
      const post = (json: unknown) => call(`${s.url}/schedules`, { json });
      const bad = async (json: unknown, status: number, code: string, field: RegExp) => {
        const r = await post(json);
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.equal(r.body.error.code, code);
        assert.match(r.body.error.message, field);
      };
      await bad({ id: "a", cron: "61 * * * *", task: "echo" }, 400, "invalid_cron", /^cron: "61/);
      await bad(
        { id: "a", cron: "0 9 * * *", timezone: "Mars/Base", task: "echo" },
        400,
        "invalid_timezone",
        /^timezone: "Mars\/Base"/,
      );
      await bad(
        { id: "a", everyMs: 1500, task: "echo" },
        400,
        "interval_too_short",
        /^everyMs: 1500/,
      );
      await bad(
        { id: "a", cron: "* * * * * *", task: "echo" },
        400,
        "interval_too_short",
        /^cron: .*1000 ms apart.*2000 ms/,
      );
      await bad(
        { id: "a", everyMs: 5000, cron: "* * * * *", task: "echo" },
        400,
        "invalid_request",
        /^cron:/,
      );
      await bad({ id: "a b", everyMs: 5000, task: "echo" }, 400, "invalid_request", /^id:/);
      await bad({ id: "a", everyMs: 5000, task: "nope" }, 404, "unknown_task", /^task: no task/);
      await bad(
        { id: "a", everyMs: 5000, task: "echo", jobOptions: { timeoutMs: 7_200_000 } },
        400,
        "job_timeout_over_limit",
        /^jobOptions.timeoutMs:/,
      );
      await bad(
        { id: "a", everyMs: 5000, task: "echo", jobOptions: { delayMs: 5 } },
        400,
        "invalid_request",
        /^jobOptions/,
      );

      const made = await post({ id: "a", everyMs: 60_000, task: "echo", input: 1 });
      assert.equal(made.status, 201);
      assert.equal(made.body.nextRuns.length, 3);
      assert.equal(Date.parse(made.body.nextRuns[0]) % 60_000, 0);
      assert.equal((await post({ id: "a", everyMs: 120_000, task: "echo" })).status, 200);
      assert.equal((await post({ id: "b", cron: "0 3 * * *", task: "echo" })).status, 201);
      await bad(
        { id: "c", everyMs: 5000, task: "echo" },
        429,
        "schedules_full",
        /at most 2 schedules/,
      );

      const list = await call(`${s.url}/schedules`);
      assert.deepEqual(list.body.schedules.map((x: { id: string }) => x.id), ["a", "b"]);
      assert.equal(list.body.schedules[0].everyMs, 120_000);
      const paused = await call(`${s.url}/schedules/b`, {
        method: "PATCH",
        json: { paused: true },
      });
      assert.equal(paused.status, 200);
      assert.equal(paused.body.paused, true);
      assert.deepEqual(paused.body.nextRuns, []);
      assert.equal((await call(`${s.url}/schedules/b`, { method: "DELETE" })).status, 200);
      assert.equal((await call(`${s.url}/schedules/b`)).status, 404);
      assert.equal(
        (await call(`${s.url}/schedules/b`, { method: "DELETE" })).body.error.code,
        "schedule_not_found",
      );
      assert.equal((await post({ id: "c", everyMs: 5000, task: "echo" })).status, 201);

      const doc = (await call(`${s.url}/openapi.json`)).body;
      assert.ok(doc.paths["/schedules"].post && doc.paths["/schedules"].get);
      assert.ok(doc.paths["/schedules/{id}"].patch && doc.paths["/schedules/{id}"].delete);
      assert.ok(doc.components.schemas.ScheduleSpec);
    } finally {
      await s.close();
    }
  },
);

test(
  "a cron expression in a time zone fires at croner's instants, across a DST change, once each",
  LONG,
  async () => {
    let clock = Date.parse("2026-03-27T12:00:00Z");
    const s = await startServer({ now: () => clock, schedulePollMs: 60_000 });
    try {
      const spec = {
        id: "paris",
        cron: "0 9 * * *",
        timezone: "Europe/Paris",
        task: "echo",
        input: 7,
      };
      const made = await call(`${s.url}/schedules`, { json: spec });
      assert.equal(made.status, 201);
      const expected = new Cron(spec.cron, { timezone: spec.timezone, paused: true })
        .nextRuns(3, new Date(clock)).map((d) => d.toISOString());
      // 9:00 in Paris is 08:00Z before the change to summer time on 29 March, 07:00Z after.
      assert.deepEqual(expected, [
        "2026-03-28T08:00:00.000Z",
        "2026-03-29T07:00:00.000Z",
        "2026-03-30T07:00:00.000Z",
      ]);
      assert.deepEqual(made.body.nextRuns, expected);
      const runs = async () => (await call(`${s.url}/schedules/paris`)).body.lastRuns;
      for (const at of expected) {
        clock = Date.parse(at) - 1;
        await s.server.schedules.tick();
        assert.equal((await runs()).filter((r: { at: string }) => r.at === at).length, 0);
        clock = Date.parse(at);
        await s.server.schedules.tick();
        await s.server.schedules.tick();
        const now = await runs();
        assert.equal(now.filter((r: { at: string }) => r.at === at).length, 1, JSON.stringify(now));
        assert.equal(now[0].at, at);
        const job = await call(`${s.url}/jobs/${now[0].jobId}?wait=5000`);
        assert.equal(job.body.status, "succeeded");
        assert.equal(job.body.result, 7);
      }
      assert.equal((await runs()).length, 3);
      assert.equal((await runs())[0].status, "succeeded");
    } finally {
      await s.close();
    }
  },
);

test(
  "paused, a schedule fires nothing; resumed, it fires from its next tick; a gap makes one catch-up",
  LONG,
  async () => {
    let clock = Date.parse("2026-01-01T00:00:00.500Z");
    const s = await startServer({ now: () => clock, schedulePollMs: 60_000 });
    try {
      await call(`${s.url}/schedules`, {
        json: { id: "sec", everyMs: 1000, task: "echo", input: 1 },
      });
      const view = async () => (await call(`${s.url}/schedules/sec`)).body;
      clock += 600; // 01.100: the tick at 01.000 is due
      await s.server.schedules.tick();
      assert.deepEqual((await view()).lastRuns.map((r: { at: string }) => r.at), [
        "2026-01-01T00:00:01.000Z",
      ]);
      assert.equal(
        (await call(`${s.url}/schedules/sec`, { method: "PATCH", json: { paused: true } })).status,
        200,
      );
      for (let i = 0; i < 5; i++) {
        clock += 1000;
        await s.server.schedules.tick();
      }
      assert.equal((await view()).lastRuns.length, 1, "a paused schedule fired");
      const resumed = await call(`${s.url}/schedules/sec`, {
        method: "PATCH",
        json: { paused: false },
      });
      assert.equal(resumed.body.paused, false);
      assert.equal(resumed.body.nextRuns[0], "2026-01-01T00:00:07.000Z");
      await s.server.schedules.tick();
      assert.equal((await view()).lastRuns.length, 1, "ticks missed while paused were run");
      clock += 1000; // 07.100
      await s.server.schedules.tick();
      assert.equal((await view()).lastRuns[0].at, "2026-01-01T00:00:07.000Z");
      // No node ticked for an hour: one catch-up job (the oldest tick missed), then on from now.
      clock += 3_600_000;
      await s.server.schedules.tick();
      await s.server.schedules.tick();
      const after = await view();
      assert.equal(after.lastRuns.length, 3);
      assert.equal(after.lastRuns[0].at, "2026-01-01T00:00:08.000Z");
      assert.equal(after.nextRuns[0], "2026-01-01T01:00:08.000Z");
    } finally {
      await s.close();
    }
  },
);

test(
  "on the real clock, the ticker fires an every-second schedule by itself, one job per tick",
  LONG,
  async () => {
    const s = await startServer({ schedulePollMs: 50 });
    try {
      await call(`${s.url}/schedules`, {
        json: { id: "live", everyMs: 1000, task: "echo", input: 2 },
      });
      const runs = await until("three ticks", async () => {
        const r = (await call(`${s.url}/schedules/live`)).body.lastRuns;
        return r.length >= 3 ? r : undefined;
      }, 10_000);
      const times = runs.map((r: { at: string }) => Date.parse(r.at));
      assert.equal(new Set(times).size, times.length);
      for (const t of times) assert.equal(t % 1000, 0);
      const jobs = (await call(`${s.url}/jobs?task=echo`)).body.jobs;
      assert.ok(jobs.length >= 3 && jobs.length <= runs.length + 1, `${jobs.length} jobs`);
    } finally {
      await s.close();
    }
  },
);

test(
  "the dashboard lists the schedules: when, the next tick, how the last run ended",
  LONG,
  async () => {
    let clock = Date.parse("2026-01-01T00:00:00.500Z");
    const s = await startServer({ now: () => clock, schedulePollMs: 60_000 });
    const reading = new AbortController();
    try {
      await call(`${s.url}/schedules`, {
        json: { id: "sec", everyMs: 1000, task: "echo", input: 1 },
      });
      clock += 600;
      await s.server.schedules.tick();
      const page = await (await fetch(`${s.url}/`)).text();
      assert.match(page, /<tbody id="schedules">/);
      const res = await fetch(`${s.url}/dashboard/events`, { signal: reading.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n\n")) text += (await reader.read()).value ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]);
      assert.equal(data.schedules.length, 1);
      const [row] = data.schedules;
      assert.equal(row.id, "sec");
      assert.equal(row.when, "every 1000 ms");
      assert.equal(row.next, "2026-01-01T00:00:02.000Z");
      assert.equal(row.last.at, "2026-01-01T00:00:01.000Z");
      await reader.cancel();
    } finally {
      reading.abort();
      await s.close();
    }
  },
);
