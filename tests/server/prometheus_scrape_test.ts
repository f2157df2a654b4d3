// A real Prometheus (Debian's `prometheus` package; .ci/run installs it) scrapes the running
// job server with its bearer token, and its query API returns workloom series. promtool, from the
// same package, lints the exposition.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, startServer } from "./server_helpers.ts";

const TOKEN = "scr4pe";

/** Fails with how to install `tool` when it is missing: CI installs it, so no test is skipped. */
function requireTool(tool: string): void {
  const found = spawnSync(tool, ["--version"], { stdio: "ignore" });
  if (found.error) {
    assert.fail(
      `'${tool}' is not installed: run 'apt-get install -y prometheus' (Debian), as .ci/run does`,
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(api: string, promql: string): Promise<QueryResult[]> {
  try {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    if (!res.ok) return [];
    const body = await res.json() as { data?: { result?: QueryResult[] } };
    return body.data?.result ?? [];
  } catch {
    return []; // Prometheus is still starting.
  }
}

/** Polls `promql` until it returns a series (Prometheus scrapes every second). */
async function waitForSeries(api: string, promql: string, exited: () => string | null) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const why = exited();
    if (why) assert.fail(`prometheus exited: ${why}`);
    const result = await query(api, promql);
    if (result.length) return result;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no series for ${promql} within 30 s`);
}

test("promtool finds nothing to complain about in GET /metrics", async () => {
  requireTool("promtool");
  const s = await startServer({ token: TOKEN, sla: [{ stage: "s", maxDurationMs: 60_000 }] });
  try {
    await call(`${s.url}/jobs?wait=5000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      json: { task: "echo", input: 1, stage: "s" },
    });
    const text = await (await fetch(`${s.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })).text();
    const lint = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(`${lint.stdout}${lint.stderr}`.trim(), "");
    assert.equal(lint.status, 0);
  } finally {
    await s.close();
  }
});

test("a real Prometheus scrapes the server with its bearer token and answers queries", {
  timeout: 60_000,
}, async () => {
  requireTool("prometheus");
  const s = await startServer({ token: TOKEN });
  const dir = mkdtempSync(join(tmpdir(), "workloom-prometheus-"));
  let child: ReturnType<typeof spawn> | undefined;
  try {
    for (let i = 0; i < 3; i++) {
      const done = await call(`${s.url}/jobs?wait=5000`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        json: { task: "echo", input: i },
      });
      assert.equal(done.body.status, "succeeded");
    }
    const target = new URL(s.url).host;
    writeFileSync(
      join(dir, "prometheus.yml"),
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: workloom",
        "    scrape_interval: 1s",
        "    authorization:",
        `      credentials: ${TOKEN}`,
        "    static_configs:",
        `      - targets: ["${target}"]`,
        "",
      ].join("\n"),
    );
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    let log = "";
    let exit: string | null = null;
    child = spawn("prometheus", [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.on("data", (chunk) => (log = (log + chunk).slice(-2000)));
    child.on("exit", (code, signal) => (exit = `code ${code} signal ${signal}: ${log}`));

    const up = await waitForSeries(api, 'up{job="workloom"} == 1', () => exit);
    assert.equal(up[0].value[1], "1");
    const submitted = await waitForSeries(api, "workloom_job_submissions_total", () => exit);
    assert.equal(submitted[0].value[1], "3");
    assert.equal(submitted[0].metric.job, "workloom");
    const runs = await waitForSeries(
      api,
      'workloom_task_run_seconds_count{task="echo"}',
      () => exit,
    );
    assert.equal(runs[0].value[1], "3");
    const p99 = await waitForSeries(
      api,
      'histogram_quantile(0.99, workloom_task_run_seconds_bucket{task="echo"})',
      () => exit,
    );
    assert.ok(Number(p99[0].value[1]) > 0);
  } finally {
    if (child && child.exitCode === null) {
      const ended = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await ended;
    }
    rmSync(dir, { recursive: true, force: true });
    await s.close();
  }
});
