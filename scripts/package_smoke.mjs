// The npm package as a user meets it: `npm pack` (which builds dist/), then the tarball installed
// into scratch projects under the OS temp folder, from the local file and nothing else (the
// package has no dependencies; `bun init` fetches its own two from the npm registry):
//
//   - the tarball holds dist/, README.md, LICENSE and package.json only;
//   - the root entry's import graph reaches no package (no Hono, zod or Redis client);
//   - an app imports "workloom" and runs a task on Node (worker_threads), Bun and Deno;
//   - the bin runs `workloom profile --json` on Node;
//   - the README's plain-JavaScript example (its `.mjs` files, as the README shows them) runs on
//     Node in a project made by `npm init -y`, and prints what the README says it prints;
//   - `bun build --compile` of that app (worker entry and task module as extra entry points)
//     runs a task from another folder, with the app's files deleted;
//   - a `bun init -y` app, with bun init's own tsconfig, type-checks against the installed types
//     (a typed call, a compile error for a wrong task name, the subpaths' types);
//   - `isolation: "process"` runs a task in a child process on Node, Bun and Deno (the child
//     shell is dist/workers/process_worker.js);
//   - the bin: `--version` prints package.json's version; without the optional peers,
//     `serve --help` works and `serve` exits 1 at once naming the install command, leaving no
//     process (the process table is read); a `.ts` task module on Node 20 is refused with what to
//     run instead;
//   - with the peers, `workloom serve` on Node answers a job over HTTP, streams its events and
//     drains on SIGTERM, leaving no process; `bunx workloom serve` runs a `.ts` module on Bun;
//   - a CommonJS app (npm init -y) reads `workloom/package.json` with `require` and the package
//     with `require` (Node's require of ES modules) and with `import()`.
//
// Exits non-zero on the first failure. Usage: node scripts/package_smoke.mjs
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { bin, ensureDeps, root } from "./ensure_deps.mjs";
import {
  importGraph,
  json,
  marked,
  readmeNodeExample,
  run,
  startMarked,
  step,
  until,
} from "./smoke_helpers.mjs";

const scratch = mkdtempSync(join(tmpdir(), "workloom-pack-"));

try {
  ensureDeps();
  let tarball;
  await step("npm pack builds dist/ and ships only what users need", () => {
    const [pack] = JSON.parse(
      run(
        "npm",
        ["pack", "--json", "--pack-destination", scratch, "--no-audit", "--no-fund"],
        root,
      ),
    );
    tarball = join(scratch, pack.filename);
    const paths = pack.files.map((f) => f.path);
    const stray = paths.filter((p) =>
      !p.startsWith("dist/") && !["README.md", "LICENSE", "package.json"].includes(p)
    );
    assert.deepEqual(stray, []);
    for (const p of ["dist/mod.js", "dist/mod.d.ts", "dist/cli.js", "dist/workers/web_worker.js"]) {
      assert.ok(paths.includes(p), `the tarball lacks ${p}`);
    }
    assert.ok(paths.includes("dist/workers/node_worker.js"));
    assert.ok(paths.includes("dist/workers/process_worker.js"));
    // The README states the package's figures: they must be what npm pack says (sizes within 5 %,
    // so that a small change does not need a new figure; the file count exactly).
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const m = /(\d+) files,\s+([\d.]+) kB packed and ([\d.]+) kB unpacked/.exec(readme);
    assert.ok(m, "the README's `N files, X kB packed and Y kB unpacked`");
    const near = (stated, bytes) => Math.abs(stated * 1000 - bytes) <= bytes * 0.05;
    const actual = `${pack.entryCount} files, ${(pack.size / 1000).toFixed(1)} kB packed and ` +
      `${(pack.unpackedSize / 1000).toFixed(1)} kB unpacked`;
    assert.ok(
      Number(m[1]) === pack.entryCount && near(+m[2], pack.size) && near(+m[3], pack.unpackedSize),
      `the README says "${m[0]}"; npm pack says "${actual}"`,
    );
    // The pool for a page (docs/browser.md): the "browser" condition and workloom/worker.
    for (const p of ["dist/browser/mod.js", "dist/browser/workers/web_worker.js"]) {
      assert.ok(paths.includes(p), `the tarball lacks ${p}`);
    }
  });

  const app = join(scratch, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{ "name": "app", "private": true, "type": "module" }');
  writeFileSync(join(app, "tasks.mjs"), "export function double(n) { return n * 2; }\n");
  writeFileSync(
    join(app, "app.mjs"),
    `import { createPool } from "workloom";
const pool = createPool(new URL("./tasks.mjs", import.meta.url), { maxWorkers: 2 });
const one = await pool.run("double", 21);
const many = await pool.map("double", [1, 2, 3], { inline: false });
const transport = pool.diagnostics().workers[0].transport;
await pool.close();
console.log(JSON.stringify({ one, many, transport }));
`,
  );

  await step("npm install <tarball> installs the package and nothing else", () => {
    run("npm", ["install", tarball, "--no-audit", "--no-fund"], app);
    const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8"));
    assert.deepEqual(Object.keys(lock.packages).filter((k) => k !== ""), ["node_modules/workloom"]);
  });

  await step("the root entry's import graph reaches no package", () => {
    const graph = importGraph(join(app, "node_modules/workloom/dist/mod.js"));
    const packages = [...graph].filter((s) => !s.startsWith("/") && !s.startsWith("node:"));
    assert.deepEqual(packages, []);
  });

  for (
    const [runtime, cmd, args] of [
      ["Node", process.execPath, ["app.mjs"]],
      ["Bun", bin("bun"), ["app.mjs"]],
      ["Deno", bin("deno"), ["run", "-A", "app.mjs"]],
    ]
  ) {
    await step(`a task runs through the installed package on ${runtime}`, () => {
      const out = JSON.parse(run(cmd, args, app).trim().split("\n").at(-1));
      assert.deepEqual(out, {
        one: 42,
        many: [2, 4, 6],
        transport: runtime === "Node" ? "node-worker" : "web-worker",
      });
    });
  }

  await step("the bin runs workloom profile --json on Node", () => {
    const profile = JSON.parse(
      run(join(app, "node_modules/.bin/workloom"), ["profile", "--json"], app),
    );
    assert.equal(profile.runtime.key, "node");
    assert.ok(profile.cores.effective >= 1);
    // Node 20 has no navigator.hardwareConcurrency: the count comes from os.availableParallelism().
    const source = globalThis.navigator?.hardwareConcurrency === undefined
      ? "os.availableParallelism()"
      : "navigator.hardwareConcurrency";
    assert.equal(profile.cores.details.hardware, source);
    assert.equal(profile.cores.hardware, availableParallelism());
  });

  writeFileSync(
    join(app, "app-process.mjs"),
    `import { createPool } from "workloom";
const pool = createPool(new URL("./tasks.mjs", import.meta.url), { isolation: "process", maxWorkers: 1 });
const one = await pool.run("double", 21);
const transport = pool.diagnostics().workers[0].transport;
await pool.close();
console.log(JSON.stringify({ one, transport }));
`,
  );
  for (
    const [runtime, cmd, args] of [
      ["Node", process.execPath, ["app-process.mjs"]],
      ["Bun", bin("bun"), ["app-process.mjs"]],
      ["Deno", bin("deno"), ["run", "-A", "app-process.mjs"]],
    ]
  ) {
    await step(`isolation: "process" runs a task in a child process on ${runtime}`, () => {
      const out = JSON.parse(run(cmd, args, app).trim().split("\n").at(-1));
      assert.deepEqual(out, { one: 42, transport: "process" });
    });
  }

  const workloom = join(app, "node_modules/.bin/workloom");
  await step("workloom demo --quick runs on Node through the bin", () => {
    const out = run(workloom, ["demo", "--quick"], app);
    assert.match(out, /^workloom demo on node /);
    assert.match(out, /tasks +\d+ completed, 0 failed/);
    assert.match(out, /workers left +0/);
  });

  await step("workloom --version and -v print package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    assert.equal(run(workloom, ["--version"], app).trim(), version);
    assert.equal(run(workloom, ["-v"], app).trim(), version);
  });

  await step(
    "without the peers: serve --help works, serve exits 1 at once naming the install",
    async () => {
      assert.match(run(workloom, ["serve", "--help"], app), /--tasks <path>/);
      const serve = await startMarked(
        workloom,
        ["serve", "--tasks", "./tasks.mjs", "--port", "0"],
        app,
        /listening at/,
      );
      assert.equal(await serve.exited, 1, serve.out());
      assert.match(serve.out(), /npm install hono @hono\/zod-openapi zod/);
      assert.ok(serve.gone(), "a process of the failed serve is left");
    },
  );

  await step("a .ts task module on Node 20 is refused with what to run instead", () => {
    writeFileSync(join(app, "tasks.ts"), "export const triple = (n: number): number => n * 3;\n");
    const r = spawnSync(workloom, ["serve", "--tasks", "./tasks.ts", "--port", "0"], {
      cwd: app,
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /cannot load the TypeScript module \.\/tasks\.ts: run it on Bun \(bunx workloom/,
    );
  });

  // The peers, linked from this repository's node_modules (their own dependencies resolve there).
  for (const peer of ["hono", "zod", "@hono/zod-openapi"]) {
    mkdirSync(dirname(join(app, "node_modules", peer)), { recursive: true });
    symlinkSync(join(root, "node_modules", peer), join(app, "node_modules", peer));
  }
  writeFileSync(
    join(app, "tasks.mjs"),
    `export function double(n) { return n * 2; }
export async function slow(ms) { await new Promise((r) => setTimeout(r, ms)); return ms; }
`,
  );

  await step(
    "workloom serve on Node: a job over HTTP, its events, a drain on SIGTERM",
    async () => {
      const serve = await startMarked(
        workloom,
        ["serve", "--tasks", "./tasks.mjs", "--port", "0"],
        app,
        /listening at http/,
      );
      try {
        assert.match(serve.out(), /job server on node listening/);
        const url = /listening at (http:\/\/\S+)/.exec(serve.out())[1];
        const post = (task, input, q = "") =>
          json(`${url}/jobs${q}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ task, input }),
          });
        const done = await post("double", 21, "?wait=5000");
        assert.equal(done.body.result, 42, JSON.stringify(done.body));
        const streamed = await post("slow", 200);
        const events = await (await fetch(`${url}/jobs/${streamed.body.id}/events`)).text();
        assert.match(events, /"status":"running"/);
        assert.match(events, /"status":"succeeded".*"result":200/);
        // Drain: a job running when SIGTERM comes finishes, then the server stops by itself.
        const draining = await post("slow", 1000);
        await until(
          async () => (await json(`${url}/jobs/${draining.body.id}`)).body.status === "running",
          "the job running",
        );
        serve.child.kill("SIGTERM");
        assert.equal(await serve.exited, 0, serve.out());
        assert.match(serve.out(), /stopped \(0 running, 0 queued left\)/);
        await until(() => serve.gone(), "every process of the server ending", 5000);
      } finally {
        serve.kill();
      }
    },
  );

  await step("bunx workloom serve runs a .ts task module on Bun", async () => {
    const serve = await startMarked(
      bin("bun"),
      ["x", "workloom", "serve", "--tasks", "./tasks.ts", "--port", "0"],
      app,
      /listening at http/,
      // As from a shell: without what `npm test` itself put into the environment.
      Object.fromEntries(
        Object.keys(process.env).filter((k) => /^npm_/i.test(k)).map((k) => [k, null]),
      ),
    );
    try {
      assert.match(serve.out(), /job server on bun listening/);
      const url = /listening at (http:\/\/\S+)/.exec(serve.out())[1];
      const done = await json(`${url}/jobs?wait=5000`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task: "triple", input: 14 }),
      });
      assert.equal(done.body.result, 42, JSON.stringify(done.body));
      // SIGTERM to bunx's child, the node bin, reaches the server on Bun: it drains and stops.
      const nodeBin = marked(serve.mark).find((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")[0].endsWith("node")
      );
      if (nodeBin !== undefined) process.kill(nodeBin, "SIGTERM");
      else serve.child.kill("SIGTERM");
      await serve.exited;
      assert.match(serve.out(), /stopped \(0 running, 0 queued left\)/);
      await until(() => serve.gone(), "every process of the server ending", 5000);
    } finally {
      serve.kill();
    }
  });

  // Unlinked before anything deletes node_modules: the links point into this repository.
  for (const peer of ["hono", "zod", "@hono/zod-openapi"]) rmSync(join(app, "node_modules", peer));

  await step("the README's .mjs example runs on Node in an npm init -y project", () => {
    const { files, prints } = readmeNodeExample();
    const hello = join(scratch, "hello");
    mkdirSync(hello);
    run("npm", ["init", "-y"], hello);
    // The README's reason for .mjs: npm init -y declares the project CommonJS.
    assert.equal(JSON.parse(readFileSync(join(hello, "package.json"), "utf8")).type, "commonjs");
    run("npm", ["install", tarball, "--no-audit", "--no-fund"], hello);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(hello, name), text);
    assert.equal(run(process.execPath, ["app.mjs"], hello).trim(), prints);
    // The same CommonJS project: require of package.json, require of the package (Node's require
    // of ES modules, 20.19+) and import(), over a CommonJS task module.
    writeFileSync(
      join(hello, "app.cjs"),
      `const { version } = require("workloom/package.json");
const required = require("workloom");
import("workloom").then(async ({ createPool }) => {
  // The task module may be CommonJS too (the project's .js files are).
  const pool = createPool(require("node:url").pathToFileURL(__dirname + "/tasks.js"));
  const html = await pool.run("render", { title: "cjs" });
  await pool.close();
  console.log(JSON.stringify({ version, same: required.createPool === createPool, html }));
});
`,
    );
    writeFileSync(
      join(hello, "tasks.js"),
      "exports.render = (page) => `<h1>${page.title}</h1>`;\n",
    );
    const out = JSON.parse(run(process.execPath, ["app.cjs"], hello).trim());
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    assert.deepEqual(out, { version, same: true, html: "<h1>cjs</h1>" });
  });

  await step(
    "bun build --compile of an app that uses a pool starts its workers and runs a task",
    () => {
      // The worker entry and the task module go in as extra entry points, from the project root.
      const exe = join(scratch, "compiled-app");
      run(bin("bun"), [
        "build",
        "--compile",
        "app.mjs",
        "./node_modules/workloom/dist/workers/web_worker.js",
        "./tasks.mjs",
        "--outfile",
        exe,
      ], app);
      // Away from the project, with its files gone: the executable needs nothing on disk.
      const elsewhere = mkdtempSync(join(scratch, "run-"));
      rmSync(join(app, "node_modules"), { recursive: true });
      rmSync(join(app, "tasks.mjs"));
      const out = JSON.parse(run(exe, [], elsewhere).trim().split("\n").at(-1));
      assert.deepEqual(out, { one: 42, many: [2, 4, 6], transport: "web-worker" });
    },
  );

  await step("a bun init app type-checks against the installed package", () => {
    const bunApp = join(scratch, "bun-app");
    mkdirSync(bunApp);
    run(bin("bun"), ["init", "-y"], bunApp);
    run(bin("bun"), ["add", tarball], bunApp);
    writeFileSync(
      join(bunApp, "tasks.ts"),
      `import type { TaskContext } from "workloom";
export function double(n: number, _ctx: TaskContext): number {
  return n * 2;
}
`,
    );
    writeFileSync(
      join(bunApp, "index.ts"),
      `import { createPool, TaskError } from "workloom";
import { createClient, type JobClient } from "workloom/client";
import type { JobServer } from "workloom/server";
const pool = createPool<typeof import("./tasks.ts")>(new URL("./tasks.ts", import.meta.url));
const n: number = await pool.run("double", 21);
// @ts-expect-error: a task the module does not export is a compile error
await pool.run("doubel", 21);
const client: JobClient<typeof import("./tasks.ts")> = createClient("http://127.0.0.1:1");
console.log(n, TaskError.name, client, null as JobServer | null);
await pool.close();
`,
    );
    // bun init's own TypeScript, with bun init's own tsconfig.
    run(join(bunApp, "node_modules/.bin/tsc"), ["--noEmit", "-p", "."], bunApp);
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
