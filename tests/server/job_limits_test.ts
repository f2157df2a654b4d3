// The job server's limits on a real server on a loopback port: the default and maximum job
// timeouts, bodies that are not UTF-8, and which routes
// answer without the token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, startServer } from "./server_helpers.ts";

test("a job that names no timeout gets the server's default: jobs that never end free their slots", async () => {
  const s = await startServer({ jobTimeoutMs: 300 });
  try {
    // More never-ending jobs than the runner hands the pool at once (2 × 1 worker).
    const stuck = [];
    for (let i = 0; i < 4; i++) {
      stuck.push((await call(`${s.url}/jobs`, { json: { task: "sleep", input: 600_000 } })).body);
    }
    // The four time out in two rounds of 300 ms (about a second in all): 5 s is ample on a
    // loaded machine, and with slots never freed the test fails in 5 s rather than 20.
    const after = await call(`${s.url}/jobs?wait=5000`, { json: { task: "echo", input: "in" } });
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(after.body.result, "in");
    for (const job of stuck) {
      const r = await call(`${s.url}/jobs/${job.id}?wait=20000`);
      assert.equal(r.body.status, "failed");
      assert.equal(r.body.error.name, "TimeoutError");
    }
    // A job's own timeout still wins.
    const own = await call(`${s.url}/jobs?wait=20000`, {
      json: { task: "sleep", input: 600, timeoutMs: 5000 },
    });
    assert.equal(own.body.status, "succeeded");
  } finally {
    await s.close();
  }
});

test("a timeout over maxJobTimeoutMs is a 400 naming the limit and the value, alone or in a batch", async () => {
  const s = await startServer({ maxJobTimeoutMs: 1000 });
  try {
    const one = await call(`${s.url}/jobs`, { json: { task: "echo", input: 1, timeoutMs: 5000 } });
    assert.equal(one.status, 400);
    assert.equal(one.body.error.code, "job_timeout_over_limit");
    assert.match(one.body.error.message, /timeoutMs: 5000 ms .*--max-job-timeout.* 1000 ms/);
    const batch = await call(`${s.url}/jobs/batch`, {
      json: [{ task: "echo", input: 1 }, { task: "echo", input: 2, timeoutMs: 1001 }],
    });
    assert.equal(batch.status, 400);
    assert.equal(batch.body.error.code, "job_timeout_over_limit");
    assert.match(batch.body.error.message, /^\[1\]\.timeoutMs: 1001 ms/);
    assert.equal(s.server.runner.totals?.().submitted, 0, "nothing was submitted");
    const ok = await call(`${s.url}/jobs?wait=10000`, {
      json: { task: "echo", input: 3, timeoutMs: 1000 },
    });
    assert.equal(ok.body.result, 3);
  } finally {
    await s.close();
  }
});

test("a body that is not valid UTF-8 is a 400 invalid_utf8 on every JSON route; valid UTF-8 passes", async () => {
  const s = await startServer();
  try {
    const enc = new TextEncoder();
    // `{"task":"echo","input":"<0xff>"}`: one byte that UTF-8 never uses.
    const bad = (text: string) => {
      const [a, b] = text.split("\u0000").map((p) => enc.encode(p));
      return new Uint8Array([...a, 0xff, ...b]);
    };
    for (
      const [path, text] of [
        ["/jobs", '{"task":"echo","input":"\u0000"}'],
        ["/jobs/batch", '[{"task":"echo","input":"\u0000"}]'],
      ]
    ) {
      const r = await call(`${s.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: bad(text),
      });
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error.code, "invalid_utf8", path);
    }
    const good = await call(`${s.url}/jobs?wait=10000`, { json: { task: "echo", input: "é✓" } });
    assert.equal(good.body.result, "é✓");
  } finally {
    await s.close();
  }
});

test("with a token, only the probes and the page without data answer; every other route is 401", async () => {
  const s = await startServer({ token: "t0k" });
  try {
    const open = new Set(["GET /healthz", "GET /readyz", "GET /"]);
    const routes = new Set(
      s.server.app.routes
        .filter((r) => r.method !== "ALL" && !r.path.includes("*"))
        .map((r) => `${r.method} ${r.path}`),
    );
    for (const must of ["GET /jobs", "GET /metrics", "GET /dashboard/events", "GET /nodes"]) {
      assert.ok(routes.has(must), `the walk covers ${must}`);
    }
    for (const route of routes) {
      const [method, path] = route.split(" ");
      const res = await fetch(`${s.url}${path.replace(/:\w+/g, "x")}`, {
        method,
        headers: method === "POST" ? { "content-type": "application/json" } : {},
        body: method === "POST" ? "{}" : undefined,
      });
      await res.body?.cancel();
      if (open.has(route)) assert.notEqual(res.status, 401, route);
      else assert.equal(res.status, 401, route);
    }
    assert.equal(
      (await call(`${s.url}/openapi.json`, { headers: { authorization: "Bearer t0k" } })).status,
      200,
    );
  } finally {
    await s.close();
  }
});
