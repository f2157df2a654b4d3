// The dashboard page in a real headless Chromium (Debian's `chromium`, driven by playwright-core;
// .ci/run installs it): it asks for the token, goes live, shows jobs submitted over HTTP appear,
// progress and finish, and shows a controller decision. It saves docs/dashboard.png, which the
// README shows. It runs on Deno and Bun alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { chromium } from "playwright-core";
import { createPool } from "../../mod.ts";
import { createServer } from "../../server.ts";
import { serveHttp } from "../../src/adapter/serve.ts";
import { call, type ServerTasks, serverTasksUrl } from "./server_helpers.ts";

const TOKEN = "d4shboard";
const CHROMIUM = "/usr/bin/chromium";
const auth = { authorization: `Bearer ${TOKEN}` };

test("the dashboard shows jobs submitted over HTTP progress and finish, and a decision", {
  timeout: 90_000,
}, async () => {
  if (spawnSync(CHROMIUM, ["--version"], { stdio: "ignore" }).error) {
    assert.fail(
      `${CHROMIUM} is missing: run 'apt-get install -y chromium' (Debian), as .ci/run does`,
    );
  }
  // Autotuned, so that the controller decides something: the sleep task only waits, and is
  // routed to the async lane once it has been measured.
  const pool = createPool<ServerTasks>(serverTasksUrl, { autotune: { monitorIntervalMs: 50 } });
  const server = await createServer(pool, {
    token: TOKEN,
    dashboardIntervalMs: 200,
    sla: [{ stage: "report", maxDurationMs: 10_000 }],
  });
  const http = serveHttp(server.fetch, { port: 0, hostname: "127.0.0.1" });
  const url = `http://127.0.0.1:${http.port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(`${url}/`);

    // The server has a token: the page asks for it, and is live once it has it.
    await page.locator("#token-form.shown").waitFor();
    await page.fill("#token-input", TOKEN);
    await page.click("#token-form button");
    await page.locator("#status.live").waitFor();

    const batch = await call(`${url}/jobs/batch`, {
      headers: auth,
      json: Array.from({ length: 40 }, () => ({ task: "sleep", input: 20, stage: "report" })),
    });
    assert.equal(batch.status, 202);
    const slow = await call(`${url}/jobs`, {
      headers: auth,
      json: { task: "progress", input: { steps: 8, ms: 150 }, stage: "report" },
    });
    assert.equal(slow.status, 202);
    const row = page.locator(`tr[data-id="${slow.body.id}"]`);
    await row.waitFor();
    // Progress shows while it runs (the task reports 1..8), then it finishes.
    await page.locator(`tr[data-id="${slow.body.id}"][data-status="running"] td:nth-child(4)`)
      .filter({ hasText: /[1-8]/ }).waitFor();
    await page.locator(`tr[data-id="${slow.body.id}"][data-status="succeeded"]`).waitFor();
    assert.equal(await row.locator("td:nth-child(4)").textContent(), "8");

    const decision = page.locator("#decisions li[data-kind]").first();
    await decision.waitFor();
    // Newest first: a kind, what changed, and the controller's reason in words.
    assert.match(
      (await decision.textContent()) ?? "",
      /^(route \w+|(scale-up|scale-down|hold|probe|revert) \d+→\d+): \S.+/,
    );
    await page.locator("#sla-state").filter({ hasText: "met" }).waitFor();
    // The nodes sharing the queue: this process alone with the in-memory store.
    const node = page.locator('#nodes tr[data-node="local"]');
    await node.waitFor();
    assert.match((await node.locator("td:nth-child(2)").textContent()) ?? "", /^(deno|bun)$/);

    // Let the charts gather a little history before the picture.
    await page.waitForTimeout(1500);
    // The README's picture is refreshed on request (WORKLOOM_SCREENSHOT=1), so that a test run
    // leaves the work tree as it found it; otherwise the picture goes to a scratch file.
    const path = process.env.WORKLOOM_SCREENSHOT === "1"
      ? new URL("../../docs/dashboard.png", import.meta.url).pathname
      : join(mkdtempSync(join(tmpdir(), "workloom-dashboard-")), "dashboard.png");
    const png = await page.screenshot({ path, fullPage: true });
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "the screenshot is a PNG");
    assert.ok(statSync(path).size > 10_000, "the screenshot has something on it");

    // Everything the page asked for came from this server, and the token was in no URL.
    assert.ok(requests.length >= 2);
    for (const r of requests) {
      assert.ok(r.startsWith(`${url}/`), `the page requested ${r}`);
      assert.ok(!r.includes(TOKEN), "the token appeared in a URL");
    }
  } finally {
    await browser.close();
    await server.close({ timeoutMs: 1000 });
    await http.close();
    await pool.close({ timeoutMs: 1000 });
  }
});
