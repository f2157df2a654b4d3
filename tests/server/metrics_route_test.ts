// GET /metrics: the Prometheus text exposition, read back with an npm parser of that format.
import { test } from "node:test";
import assert from "node:assert/strict";
import parse, { type ParsedFamily } from "parse-prometheus-text-format";
import { call, startServer } from "./server_helpers.ts";

const TOKEN = "m3trics";
const auth = { authorization: `Bearer ${TOKEN}` };

function family(families: ParsedFamily[], name: string): ParsedFamily {
  const f = families.find((f) => f.name === name);
  assert.ok(f, `the exposition has no family ${name}`);
  return f;
}

function value(
  families: ParsedFamily[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const f = family(families, name);
  const m = f.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v) &&
    Object.keys(m.labels ?? {}).length === Object.keys(labels).length
  );
  assert.ok(m, `${name} has no sample ${JSON.stringify(labels)}`);
  return Number(m.value);
}

async function scrape(url: string): Promise<ParsedFamily[]> {
  const res = await fetch(`${url}/metrics`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return parse(await res.text());
}

test("GET /metrics needs the bearer token when the server has one", async () => {
  const s = await startServer({ token: TOKEN });
  try {
    const refused = await call(`${s.url}/metrics`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, "unauthorized");
    const families = await scrape(s.url);
    assert.equal(value(families, "workloom_job_submissions_total"), 0);
  } finally {
    await s.close();
  }
});

test("GET /metrics counts submissions, rejections by reason, retries and finished jobs", async () => {
  const s = await startServer({ token: TOKEN });
  try {
    for (let i = 0; i < 3; i++) {
      const done = await call(`${s.url}/jobs?wait=5000`, {
        headers: auth,
        json: { task: "echo", input: i },
      });
      assert.equal(done.body.status, "succeeded");
    }
    const retried = await call(`${s.url}/jobs?wait=5000`, {
      headers: auth,
      json: { task: "flaky", input: { name: "m", failures: 1 }, attempts: 2, backoffMs: 1 },
    });
    assert.equal(retried.body.status, "succeeded");
    const failed = await call(`${s.url}/jobs?wait=5000`, {
      headers: auth,
      json: { task: "fail", input: "no" },
    });
    assert.equal(failed.body.status, "failed");
    assert.equal(
      (await call(`${s.url}/jobs`, { headers: auth, json: { task: "nope" } })).status,
      404,
    );
    assert.equal((await call(`${s.url}/jobs`, { headers: auth, json: { task: 7 } })).status, 400);
    assert.equal((await call(`${s.url}/jobs`, { json: { task: "echo" } })).status, 401);

    const f = await scrape(s.url);
    assert.equal(value(f, "workloom_job_submissions_total"), 5);
    assert.equal(value(f, "workloom_jobs_finished_total", { state: "succeeded" }), 4);
    assert.equal(value(f, "workloom_jobs_finished_total", { state: "failed" }), 1);
    assert.equal(value(f, "workloom_job_retries_total"), 1);
    assert.equal(value(f, "workloom_job_rejections_total", { reason: "unknown_task" }), 1);
    assert.equal(value(f, "workloom_job_rejections_total", { reason: "invalid_request" }), 1);
    assert.equal(value(f, "workloom_job_rejections_total", { reason: "unauthorized" }), 1);
    assert.equal(value(f, "workloom_jobs", { state: "queued" }), 0);
    assert.equal(value(f, "workloom_queue_depth"), 0);
    assert.equal(value(f, "workloom_workers", { state: "idle" }), 1);
    assert.equal(value(f, "workloom_tasks_finished_total", { task: "echo", outcome: "ok" }), 3);
    assert.equal(value(f, "workloom_worker_respawns_total"), 0);
    // One node with the in-memory store: this process, with its workers.
    const runtime = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" ? "bun" : "deno";
    assert.equal(value(f, "workloom_node_workers", { node: "local", runtime }), 1);
    assert.equal(value(f, "workloom_node_jobs_in_flight", { node: "local", runtime }), 0);
    assert.ok(value(f, "workloom_node_last_heartbeat_seconds", { node: "local", runtime }) > 0);
    for (const name of ["workloom_job_submissions_total", "workloom_job_retries_total"]) {
      assert.equal(family(f, name).type, "COUNTER");
    }
    assert.equal(family(f, "workloom_workers").type, "GAUGE");
    assert.equal(family(f, "workloom_task_run_seconds").type, "HISTOGRAM");
    assert.equal(family(f, "workloom_task_run_recent_seconds").type, "SUMMARY");
  } finally {
    await s.close();
  }
});

test("the run-time histogram's buckets are cumulative and end at +Inf with every task", async () => {
  const s = await startServer();
  try {
    for (let i = 0; i < 4; i++) {
      await call(`${s.url}/jobs?wait=5000`, { json: { task: "sleep", input: 30 } });
    }
    const text = await (await fetch(`${s.url}/metrics`)).text();
    // This parser merges the series of a labelled histogram into one: with a single task the
    // merged buckets are that task's. (Per-task sums and counts are checked through a real
    // Prometheus in prometheus_scrape_test.ts.)
    const run = family(parse(text), "workloom_task_run_seconds").metrics[0];
    const buckets = Object.entries(run.buckets ?? {})
      .map(([le, n]) => [le === "+Inf" ? Infinity : Number(le), Number(n)])
      .sort(([a], [b]) => a - b);
    assert.ok(buckets.length > 10);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1]);
    assert.deepEqual(buckets[buckets.length - 1], [Infinity, 4]);
    // 30 ms sleeps: none finished under 25 ms.
    assert.equal(buckets.find(([le]) => le === 0.025)?.[1], 0);
    assert.match(text, /^workloom_task_run_seconds_count\{task="sleep"\} 4$/m);
    assert.match(text, /^workloom_task_run_recent_seconds_count\{task="sleep"\} 4$/m);
  } finally {
    await s.close();
  }
});
