import { test } from "node:test";
import assert from "node:assert/strict";
import { call, startServer } from "./server_helpers.ts";

test("POST /jobs answers 202 with the job and its statusUrl, and GET reads it back", async () => {
  const s = await startServer();
  try {
    const r = await call(`${s.url}/jobs`, { json: { task: "echo", input: { a: 1 } } });
    assert.equal(r.status, 202);
    assert.equal(typeof r.body.id, "string");
    assert.ok(["queued", "running", "succeeded"].includes(r.body.status));
    assert.equal(r.body.statusUrl, `/jobs/${r.body.id}`);
    const done = await call(`${s.url}${r.body.statusUrl}?wait=10000`);
    assert.equal(done.status, 200);
    assert.equal(done.body.status, "succeeded");
    assert.deepEqual(done.body.result, { a: 1 });
    assert.equal(done.body.attempts, 1);
    for (const f of ["submittedAt", "startedAt", "finishedAt"]) {
      assert.ok(!Number.isNaN(Date.parse(done.body[f])), f);
    }
  } finally {
    await s.close();
  }
});

test("POST /jobs?wait answers 200 with the finished job, or 202 with its state at the deadline", async () => {
  const s = await startServer();
  try {
    const done = await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input: 5 } });
    assert.equal(done.status, 200);
    assert.equal(done.body.result, 5);
    const slow = await call(`${s.url}/jobs?wait=20`, { json: { task: "sleep", input: 60_000 } });
    assert.equal(slow.status, 202);
    assert.ok(["queued", "running"].includes(slow.body.status));
    // A wait far past the cap is capped, not refused.
    const capped = await call(`${s.url}/jobs/${slow.body.id}?wait=999999999`, {
      signal: AbortSignal.timeout(50),
    }).catch((e: Error) => e.name);
    assert.equal(capped, "TimeoutError", "the server held the request (up to 30 s)");
    const bad = await call(`${s.url}/jobs?wait=-1`, { json: { task: "echo", input: 1 } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^wait:/);
  } finally {
    await s.close();
  }
});

test("a task name must be an own exported function of the task module: 404 unknown_task otherwise", async () => {
  const s = await startServer();
  try {
    for (
      const task of [
        "nope",
        "__proto__",
        "constructor",
        "toString",
        "notATask",
        "../x.ts",
        "hasOwnProperty",
      ]
    ) {
      const r = await call(`${s.url}/jobs`, { json: { task, input: 1 } });
      assert.equal(r.status, 404, task);
      assert.equal(r.body.error.code, "unknown_task", task);
    }
    const stats = s.pool.stats();
    assert.equal(stats.completed + stats.failed + stats.inFlight, 0, "the pool was never asked");
  } finally {
    await s.close();
  }
});

test("a task that throws fails the job with its name and message, and no stack", async () => {
  const s = await startServer();
  try {
    const r = await call(`${s.url}/jobs?wait=10000`, { json: { task: "fail", input: "boom" } });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, "failed");
    assert.deepEqual(r.body.error, { name: "RangeError", message: "boom" });
    assert.ok(!JSON.stringify(r.body).includes("server_tasks.ts"), "no stack or path leaks");
    const big = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "bigResult", input: null },
    });
    assert.equal(big.body.status, "failed");
  } finally {
    await s.close();
  }
});

test("attempts retry a throwing task with backoff until it succeeds", async () => {
  const s = await startServer();
  try {
    const r = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "flaky", input: { name: "r1", failures: 2 }, attempts: 3, backoffMs: 5 },
    });
    assert.equal(r.body.status, "succeeded");
    assert.equal(r.body.result, 3);
    assert.equal(r.body.attempts, 3);
    const out = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "flaky", input: { name: "r2", failures: 5 }, attempts: 2, backoffMs: 1 },
    });
    assert.equal(out.body.status, "failed");
    assert.equal(out.body.attempts, 2);
    assert.equal(out.body.error.message, "attempt 2 failed");
  } finally {
    await s.close();
  }
});

test("delayMs holds a job as delayed until its time", async () => {
  const s = await startServer();
  try {
    // 1.5 s: the list below must come back before the delay ends, even on a loaded machine.
    const r = await call(`${s.url}/jobs`, { json: { task: "echo", input: 1, delayMs: 1500 } });
    assert.equal(r.status, 202);
    assert.equal(r.body.status, "delayed");
    const listed = await call(`${s.url}/jobs?status=delayed`);
    assert.deepEqual(listed.body.jobs.map((j: { id: string }) => j.id), [r.body.id]);
    const done = await call(`${s.url}/jobs/${r.body.id}?wait=10000`);
    assert.equal(done.body.status, "succeeded");
  } finally {
    await s.close();
  }
});

test("the same Idempotency-Key and body return the existing job; another body is 409; failure frees the key", async () => {
  const s = await startServer();
  try {
    const headers = { "Idempotency-Key": "order-1" };
    const first = await call(`${s.url}/jobs`, { json: { task: "sleep", input: 50 }, headers });
    assert.equal(first.status, 202);
    const again = await call(`${s.url}/jobs`, { json: { input: 50, task: "sleep" }, headers });
    assert.equal(again.status, 200);
    assert.equal(again.body.idempotent, true);
    assert.equal(again.body.id, first.body.id);
    const other = await call(`${s.url}/jobs`, { json: { task: "sleep", input: 51 }, headers });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, "idempotency_conflict");
    const k2 = { "Idempotency-Key": "order-2" };
    const failed = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "fail", input: "x" },
      headers: k2,
    });
    assert.equal(failed.body.status, "failed");
    const retry = await call(`${s.url}/jobs`, { json: { task: "echo", input: 2 }, headers: k2 });
    assert.equal(retry.status, 202);
    assert.notEqual(retry.body.id, failed.body.id);
  } finally {
    await s.close();
  }
});

test("DELETE /jobs/:id cancels a running or queued job and answers 409 once it is final", async () => {
  const s = await startServer({ concurrency: 1 });
  try {
    const running = await call(`${s.url}/jobs`, { json: { task: "sleep", input: 60_000 } });
    const queued = await call(`${s.url}/jobs`, { json: { task: "echo", input: 1 } });
    const waiter = call(`${s.url}/jobs/${running.body.id}?wait=10000`);
    for (const id of [queued.body.id, running.body.id]) {
      const r = await call(`${s.url}/jobs/${id}`, { method: "DELETE" });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, "cancelled");
    }
    assert.equal((await waiter).body.status, "cancelled", "a waiter sees the cancellation");
    const again = await call(`${s.url}/jobs/${running.body.id}`, { method: "DELETE" });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "job_final");
    const missing = await call(`${s.url}/jobs/nope`, { method: "DELETE" });
    assert.equal(missing.status, 404);
  } finally {
    await s.close();
  }
});

test("POST /jobs/batch answers ids in request order and runs the heaviest first", async () => {
  const s = await startServer({ concurrency: 1 });
  try {
    // Three task names tell the jobs apart in the pool's own start order.
    const started: string[] = [];
    s.pool.on("taskStarted", (t) => started.push(t.name));
    await call(`${s.url}/jobs`, { json: { task: "sleep", input: 100 } });
    const r = await call(`${s.url}/jobs/batch`, {
      json: [
        { task: "echo", input: "light", weight: 1 },
        { task: "mark", input: "heavy", weight: 50 },
        { task: "sleep", input: 1, weight: 10 },
      ],
    });
    assert.equal(r.status, 202);
    assert.equal(r.body.length, 3);
    const jobs = [];
    for (const j of r.body) jobs.push((await call(`${s.url}${j.statusUrl}?wait=10000`)).body);
    assert.deepEqual(jobs.map((j) => j.result), ["light", "heavy", 1], "ids in request order");
    assert.deepEqual(started.slice(1), ["mark", "sleep", "echo"], "heaviest first");
    const unknown = await call(`${s.url}/jobs/batch`, {
      json: [{ task: "echo", input: 1 }, { task: "nope", input: 1 }],
    });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /^\[1\]\.task/);
  } finally {
    await s.close();
  }
});

test("GET /jobs filters by status and task and pages with a cursor", async () => {
  const s = await startServer();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(`${s.url}/jobs?wait=10000`, {
        json: { task: i % 2 ? "fail" : "echo", input: "x" },
      });
      ids.push(r.body.id);
    }
    const page1 = await call(`${s.url}/jobs?limit=2`);
    assert.deepEqual(page1.body.jobs.map((j: { id: string }) => j.id), ids.slice(0, 2));
    const page2 = await call(`${s.url}/jobs?limit=2&cursor=${page1.body.nextCursor}`);
    assert.deepEqual(page2.body.jobs.map((j: { id: string }) => j.id), ids.slice(2, 4));
    const failed = await call(`${s.url}/jobs?status=failed&task=fail`);
    assert.deepEqual(failed.body.jobs.map((j: { id: string }) => j.id), [ids[1], ids[3]]);
    for (const q of ["status=done", "limit=0", "limit=5000", "cursor=abc"]) {
      const bad = await call(`${s.url}/jobs?${q}`);
      assert.equal(bad.status, 400, q);
      assert.match(bad.body.error.message, new RegExp(`^${q.split("=")[0]}:`), q);
    }
  } finally {
    await s.close();
  }
});

test("GET /jobs/:id answers 404 for an unknown job and 410 while an expired job's tombstone lasts", async () => {
  let now = 0;
  const s = await startServer({ jobTtlMs: 1000, now: () => now, sweepIntervalMs: 60_000 });
  try {
    const r = await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input: 1 } });
    assert.equal((await call(`${s.url}/jobs/unknown-id`)).status, 404);
    now = 999;
    s.server.store.sweep();
    assert.equal((await call(`${s.url}/jobs/${r.body.id}`)).status, 200);
    now = 1000;
    s.server.store.sweep();
    const gone = await call(`${s.url}/jobs/${r.body.id}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error.code, "job_expired");
    assert.equal((await call(`${s.url}/jobs/${r.body.id}/events`)).status, 410);
    assert.equal((await call(`${s.url}/jobs/${r.body.id}`, { method: "DELETE" })).status, 410);
    now = 2000;
    s.server.store.sweep();
    assert.equal((await call(`${s.url}/jobs/${r.body.id}`)).status, 404);
  } finally {
    await s.close();
  }
});

test("GET /tasks lists the module's functions with lane and measured stats", async () => {
  const s = await startServer();
  try {
    await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input: 1 } });
    const r = await call(`${s.url}/tasks`);
    assert.equal(r.status, 200);
    const names = r.body.tasks.map((t: { name: string }) => t.name);
    assert.ok(names.includes("echo") && names.includes("sleep"));
    assert.ok(!names.includes("notATask"));
    const echo = r.body.tasks.find((t: { name: string }) => t.name === "echo");
    assert.equal(echo.stats.count, 1);
    assert.equal(echo.lane, "worker");
    assert.equal(r.body.tasks.find((t: { name: string }) => t.name === "fail").stats, null);
  } finally {
    await s.close();
  }
});

test("GET /nodes names this one process when jobs are kept in memory", async () => {
  const s = await startServer();
  try {
    const r = await call(`${s.url}/nodes`);
    assert.equal(r.status, 200);
    assert.equal(r.body.nodes.length, 1);
    assert.equal(r.body.nodes[0].id, "local");
    assert.equal(r.body.nodes[0].inFlight, 0);
  } finally {
    await s.close();
  }
});

test("the OpenAPI document parses and names every route", async () => {
  const s = await startServer();
  try {
    const r = await call(`${s.url}/openapi.json`);
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, "3.0.0");
    const routes = Object.entries(r.body.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`)
    ).sort();
    assert.deepEqual(routes, [
      "DELETE /jobs/{id}",
      "DELETE /schedules/{id}",
      "GET /healthz",
      "GET /jobs",
      "GET /jobs/{id}",
      "GET /jobs/{id}/events",
      "GET /nodes",
      "GET /readyz",
      "GET /schedules",
      "GET /schedules/{id}",
      "GET /tasks",
      "PATCH /schedules/{id}",
      "POST /jobs",
      "POST /jobs/batch",
      "POST /schedules",
    ]);
    assert.ok(r.body.components.schemas.JobSubmit.properties.concurrencyKey);
  } finally {
    await s.close();
  }
});

test("GET /healthz answers 200, and GET /readyz 503 once the server drains", async () => {
  const s = await startServer();
  try {
    assert.deepEqual((await call(`${s.url}/healthz`)).body, { status: "ok" });
    assert.equal((await call(`${s.url}/readyz`)).status, 200);
    await s.server.close();
    const r = await call(`${s.url}/readyz`);
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, "draining");
    const post = await call(`${s.url}/jobs`, { json: { task: "echo", input: 1 } });
    assert.equal(post.status, 503);
    assert.equal(post.headers.get("retry-after"), "5");
    assert.equal((await call(`${s.url}/healthz`)).status, 200);
  } finally {
    await s.close();
  }
});
