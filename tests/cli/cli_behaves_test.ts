// The command line as a new user meets it: --version, a missing optional peer named with its
// install command, a TypeScript task module on a Node that cannot load it, a command that fails
// ending at once with nothing left in the process table, and a printed curl that works as printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./cli_helpers.ts";
import { VERSION } from "../../src/cli/version.ts";
import { importPeers, installCommand, missingPackage, SERVER_PEERS } from "../../src/cli/peers.ts";
import { typeScriptRefusal } from "../../src/cli/serve_guards.ts";
import { runtime } from "../../src/adapter/runtime.ts";
import { until, within } from "../fixtures/pool_helpers.ts";
import { startServe } from "../fixtures/serve_process.ts";

const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);

test("--version and -v print the version of package.json and jsr.json, and exit 0", async () => {
  const read = (f: string) => JSON.parse(readFileSync(join(root, f), "utf8")).version;
  assert.equal(VERSION, read("package.json"));
  assert.equal(VERSION, read("jsr.json"));
  for (const flag of ["--version", "-v"]) {
    const r = await run([flag]);
    assert.deepEqual(r, { code: 0, out: `${VERSION}\n`, err: "" }, flag);
  }
});

test("a missing optional peer is named with the command that installs the peers", async () => {
  // A real failed import of a module that imports hono, from a folder with no hono in reach
  // (an empty node_modules: Bun would otherwise install it on the fly).
  const dir = mkdtempSync(join(tmpdir(), "workloom-peer-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
    writeFileSync(join(dir, "server.mjs"), 'import { Hono } from "hono";\nexport { Hono };\n');
    const url = new URL(`file://${dir}/server.mjs`).href;
    await assert.rejects(
      importPeers(() => import(url), SERVER_PEERS, "the job server", runtime.key),
      (e: Error) => {
        assert.equal(
          e.message,
          "the job server needs the optional peer hono, which is not installed: " +
            installCommand(SERVER_PEERS, runtime.key),
        );
        return true;
      },
    );
    // Anything else is not dressed up as a missing peer.
    const broken = new SyntaxError("Unexpected token");
    await assert.rejects(
      importPeers(() => Promise.reject(broken), SERVER_PEERS, "x", "node"),
      (e) => e === broken,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(installCommand(SERVER_PEERS, "node"), "npm install hono @hono/zod-openapi zod");
  assert.equal(installCommand(SERVER_PEERS, "bun"), "bun add hono @hono/zod-openapi zod");
  assert.equal(missingPackage(new Error('Import "hono/cors" not a dependency')), "hono");
  assert.equal(
    missingPackage(new Error("Cannot find package '@hono/zod-openapi' imported from /x.js")),
    "@hono/zod-openapi",
  );
  assert.equal(missingPackage(new Error("Cannot find module './chunk-x.js'")), undefined);
});

test("serve --help needs no peer and --version no module: both answer before any import", async () => {
  const help = await run(["serve", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--tasks <path>/);
  const usage = await run(["--help"]);
  assert.match(usage.out, /-v, --version/);
  assert.match(usage.out, /npm install hono @hono\/zod-openapi zod/);
});

test("a TypeScript task module on a Node that cannot strip types is refused with what to run", () => {
  // Spelled in two parts: the Node suite's transpiler renames "./x.ts" literals to .js.
  const tasksTs = ["./tasks", "ts"].join(".");
  const refusal = typeScriptRefusal(tasksTs, "node", false);
  assert.match(refusal ?? "", /cannot load the TypeScript module \.\/tasks\.ts/);
  assert.match(refusal ?? "", /bunx workloom serve --tasks \.\/tasks\.ts/);
  assert.equal(typeScriptRefusal("./tasks.mts", "node", true), undefined, "a Node that strips");
  assert.equal(typeScriptRefusal("./tasks.mjs", "node", false), undefined);
  assert.equal(typeScriptRefusal(tasksTs, "bun", false), undefined);
  assert.equal(typeScriptRefusal(tasksTs, "deno", false), undefined);
});

/** Pids of live processes whose environment holds `mark` (children inherit it). */
function marked(mark: string): number[] {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(mark)) found.push(+entry);
    } catch {
      // Gone meanwhile, or not ours.
    }
  }
  return found;
}

test("serve on a port in use exits 1 at once and leaves no process behind", async () => {
  const blocker = netServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as { port: number }).port;
  const mark = `WORKLOOM_TEST_MARK=${crypto.randomUUID()}`;
  try {
    // Process isolation: the pool's workers are child processes, the ones most apt to linger.
    const serve = await startServe(["--port", String(port), "--isolation", "process"], {
      env: { [mark.split("=")[0]]: mark.split("=")[1] },
      ready: /cannot listen|listening at/,
    });
    try {
      // It said it cannot listen: the exit is due at once, so 5 s is ample on a loaded machine
      // (and a serve that lingers fails here in 5 s rather than 10).
      const code = await within(serve.exited, 5_000, "the failed serve exiting");
      assert.equal(code, 1, serve.stderr());
      assert.match(serve.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
      // Its task processes were signalled before it exited; they may take a moment to be gone
      // (5 s, not the default 10: ample for processes already signalled).
      await until(
        () => marked(mark).length === 0,
        "every process of the failed command ending",
        5_000,
      );
    } finally {
      await serve.kill();
    }
  } finally {
    blocker.close();
  }
});

test("the curl printed after --token-file works as printed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "workloom-token-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "s3cret-token\n");
  const serve = await startServe(["--token-file", tokenFile]);
  try {
    const line = /the API: +(curl .*)$/m.exec(serve.stdout());
    assert.ok(line, serve.stdout());
    assert.doesNotMatch(serve.stdout(), /s3cret-token/);
    // Run by a shell as printed, from another folder, with no WORKLOOM_TOKEN in its environment.
    const env = { ...Object.fromEntries(Object.entries(envOf())), WORKLOOM_TOKEN: "" };
    const r = spawnSync("sh", ["-c", `${line[1]} -o /dev/null -w '%{http_code}'`], {
      cwd: tmpdir(),
      encoding: "utf8",
      env,
    });
    assert.equal(r.stdout, "200", r.stderr);
  } finally {
    await within(serve.kill(), 10_000, "serve ending");
    rmSync(dir, { recursive: true, force: true });
  }
});

function envOf(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME"]) {
    const v = runtime.env(name);
    if (v !== undefined) env[name] = v;
  }
  return env;
}
