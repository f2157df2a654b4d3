// An app that uses the pool (the example page's app.js, which imports "workloom" by name),
// bundled as users bundle it, passes the example page's scenario in Chromium. The package is
// installed in the app's node_modules as npm would (package.json and the browser build), and each
// bundler is run as docs/browser.md says, with nothing copied by hand:
//   esbuild: app.js, tasks.js and workers/web_worker=workloom/worker as entry points;
//   Vite:    `vite build` with no configuration: it emits the worker entry that the package names
//            with new URL("./workers/web_worker.js", import.meta.url), and the task module named so
//            by app.js; and Vite's dev server, which serves them from the sources.
// Built once per bundler, one browser for the file. Runs on Deno and Bun alike.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { serveExample } from "../../examples/browser/serve.ts";
import { checkExamplePage, launchChromium } from "./page_scenario.ts";

const root = new URL("../../", import.meta.url).pathname;
const example = join(root, "examples", "browser");
let dir = "";
let browser: Browser;

function run(command: string, args: string[], cwd: string): void {
  const r = spawnSync(command, args, { cwd, encoding: "utf8" });
  assert.equal(r.status, 0, `${command} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "workloom-bundlers-"));
  const app = join(dir, "app");
  const pkg = join(app, "node_modules", "workloom");
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(root, "package.json"), join(pkg, "package.json"));
  run("node", ["scripts/build_browser.mjs", join(pkg, "dist", "browser")], root);
  for (const f of ["index.html", "app.js", "tasks.js"]) {
    copyFileSync(join(example, f), join(app, f));
  }
  // The page for the esbuild bundle: esbuild does not read HTML, the app keeps its own.
  mkdirSync(join(dir, "html"));
  copyFileSync(join(example, "index.html"), join(dir, "html", "index.html"));
  run(join(root, "node_modules", ".bin", "esbuild"), [
    "app.js",
    "tasks.js",
    "workers/web_worker=workloom/worker",
    "--bundle",
    "--format=esm",
    `--outdir=${join(dir, "esbuild")}`,
  ], app);
  run(join(root, "node_modules", ".bin", "vite"), [
    "build",
    "--outDir",
    join(dir, "vite"),
    "--logLevel",
    "warn",
  ], app);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("esbuild and Vite emit the worker entry and the task module with the app", () => {
  assert.deepEqual(readdirSync(join(dir, "esbuild"), { recursive: true }).map(String).sort(), [
    "app.js",
    "tasks.js",
    "workers",
    "workers/web_worker.js",
  ]);
  const vite = readdirSync(join(dir, "vite", "assets")).map(String);
  assert.ok(vite.some((f) => /^web_worker-[\w-]+\.js$/.test(f)), vite.join(", "));
});

const bundles = {
  esbuild: () => [join(dir, "esbuild"), join(dir, "html")],
  Vite: () => [join(dir, "vite")],
};

for (const [bundler, roots] of Object.entries(bundles)) {
  for (const isolated of [true, false]) {
    const how = isolated ? "cross-origin isolated" : "not isolated";
    test(`the app bundled by ${bundler}, ${how}, passes the example page's scenario`, {
      timeout: 90_000,
    }, async () => {
      // No /workloom/ here: a bundle that still asked for the unbundled package would 404.
      const server = serveExample({ isolated, roots: roots(), build: join(dir, "none") });
      try {
        await checkExamplePage(browser, `http://127.0.0.1:${server.port}/`, isolated);
      } finally {
        await server.close();
      }
    });
  }
}

/** Starts Vite's dev server in the app (the isolation headers from a config of the test's own). */
async function viteDev(isolated: boolean): Promise<{ url: string; stop: () => Promise<void> }> {
  const config = join(dir, `vite-dev-${isolated}.config.mjs`);
  const headers = isolated
    ? {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    }
    : {};
  writeFileSync(config, `export default { server: { headers: ${JSON.stringify(headers)} } };\n`);
  const child = spawn(join(root, "node_modules", ".bin", "vite"), [
    "--config",
    config,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--clearScreen",
    "false",
  ], { cwd: join(dir, "app"), stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Uint8Array) => {
      out += new TextDecoder().decode(chunk);
      // deno-lint-ignore no-control-regex
      const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ""));
      if (m) resolve(m[1]);
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    exited.then(() => reject(new Error(`vite exited before it listened:\n${out}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

for (const isolated of [true, false]) {
  const how = isolated ? "cross-origin isolated" : "not isolated";
  test(`the app served by Vite's dev server, ${how}, passes the example page's scenario`, {
    timeout: 90_000,
  }, async () => {
    const dev = await viteDev(isolated);
    try {
      await checkExamplePage(browser, dev.url, isolated);
    } finally {
      await dev.stop();
    }
  });
}
