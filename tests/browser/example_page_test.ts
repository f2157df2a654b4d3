// The example page (examples/browser/) in Debian's Chromium, driven by playwright-core, served
// from loopback by examples/browser/serve.ts with the browser build (scripts/build_browser.mjs)
// at /workloom/: once with the cross-origin isolation headers and once without. Built once, one
// browser for the file. Runs on Deno and Bun alike.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { serveExample } from "../../examples/browser/serve.ts";
import { checkExamplePage, launchChromium } from "./page_scenario.ts";

const root = new URL("../../", import.meta.url).pathname;
let dir = "";
let browser: Browser;
let graph: Record<string, Record<string, string[]>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "workloom-browser-"));
  const r = spawnSync(
    "node",
    ["scripts/build_browser.mjs", join(dir, "build"), "--graph", join(dir, "graph.json")],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(r.status, 0, `the browser build failed: ${r.stderr}`);
  graph = JSON.parse(readFileSync(join(dir, "graph.json"), "utf8"));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the browser build reaches no node: module and neither the Deno nor the node: adapters", () => {
  for (const [bundle, files] of Object.entries(graph)) {
    const reached = Object.keys(files);
    assert.ok(reached.length > 5, `${bundle} holds the pool's sources`);
    for (const [file, imports] of Object.entries(files)) {
      for (const i of imports) assert.ok(!i.startsWith("node:"), `${bundle}: ${file} imports ${i}`);
    }
    for (const adapter of ["deno.ts", "node_like.ts", "node_threads.ts", "child_process.ts"]) {
      assert.ok(
        !reached.includes(`src/adapter/${adapter}`),
        `${bundle} reaches src/adapter/${adapter}`,
      );
    }
  }
  assert.ok(Object.keys(graph["mod.js"]).includes("src/adapter/host_adapter.browser.ts"));
  // And no Deno or Bun global is named in what a page runs.
  for (const file of ["mod.js", "workers/web_worker.js"]) {
    // Comments and string literals ("Deno.exit" is a label) are not code that names a global.
    const code = readFileSync(join(dir, "build", file), "utf8")
      .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")
      .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
    assert.doesNotMatch(code, /(?<![.\w$])(Deno|Bun)\s*\./, file);
  }
});

for (const isolated of [true, false]) {
  const how = isolated ? "cross-origin isolated" : "not isolated";
  test(
    `the example page, ${how}: tasks run in workers, in order, by priority; errors, crashes, timeouts, cancel and close work; shared memory ${
      isolated ? "is" : "is not"
    } used; no console error`,
    { timeout: 90_000 },
    async () => {
      const server = serveExample({ isolated, build: join(dir, "build") });
      try {
        await checkExamplePage(browser, `http://127.0.0.1:${server.port}/`, isolated);
      } finally {
        await server.close();
      }
    },
  );
}
