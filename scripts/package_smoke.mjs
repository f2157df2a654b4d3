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
//     (a typed call, a compile error for a wrong task name, the subpaths' types).
//
// Exits non-zero on the first failure. Usage: node scripts/package_smoke.mjs
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { bin, ensureDeps, root } from "./ensure_deps.mjs";

const scratch = mkdtempSync(join(tmpdir(), "workloom-pack-"));

/** Runs a command, returns its stdout; throws with its output when it fails. */
function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      timeout: 180_000,
    });
  } catch (e) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
}

function step(name, fn) {
  fn();
  console.log(`ok   package: ${name}`);
}

/**
 * The README's Node example: the body of each fenced block whose first line is `// <name>`, and the
 * output its `node app.mjs   # prints: …` line promises. Read from the README itself, so that the
 * example cannot drift from what runs.
 */
function readmeNodeExample() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const files = {};
  for (const [, name, body] of readme.matchAll(/^```js\n\/\/ (\S+\.mjs)\n([\s\S]*?)^```$/gm)) {
    files[name] = `// ${name}\n${body}`;
  }
  const prints = readme.match(/^node app\.mjs +# prints: (.+)$/m);
  assert.deepEqual(Object.keys(files).sort(), ["app.mjs", "tasks.mjs"], "the README's .mjs blocks");
  assert.ok(prints, "the README's `node app.mjs   # prints: …` line");
  return { files, prints: prints[1] };
}

/** Every module the file statically imports, followed through relative imports. */
function importGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const [, spec] of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"/gms)) {
    if (spec.startsWith(".")) importGraph(join(dirname(file), spec), seen);
    else seen.add(spec);
  }
  for (const [, spec] of text.matchAll(/^import\s*"([^"]+)"/gm)) {
    if (spec.startsWith(".")) importGraph(join(dirname(file), spec), seen);
    else seen.add(spec);
  }
  return seen;
}

try {
  ensureDeps();
  let tarball;
  step("npm pack builds dist/ and ships only what users need", () => {
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

  step("npm install <tarball> installs the package and nothing else", () => {
    run("npm", ["install", tarball, "--no-audit", "--no-fund"], app);
    const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8"));
    assert.deepEqual(Object.keys(lock.packages).filter((k) => k !== ""), ["node_modules/workloom"]);
  });

  step("the root entry's import graph reaches no package", () => {
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
    step(`a task runs through the installed package on ${runtime}`, () => {
      const out = JSON.parse(run(cmd, args, app).trim().split("\n").at(-1));
      assert.deepEqual(out, {
        one: 42,
        many: [2, 4, 6],
        transport: runtime === "Node" ? "node-worker" : "web-worker",
      });
    });
  }

  step("the bin runs workloom profile --json on Node", () => {
    const profile = JSON.parse(
      run(join(app, "node_modules/.bin/workloom"), ["profile", "--json"], app),
    );
    assert.equal(profile.runtime.key, "node");
    assert.ok(profile.cores.effective >= 1);
  });

  step("the README's .mjs example runs on Node in an npm init -y project", () => {
    const { files, prints } = readmeNodeExample();
    const hello = join(scratch, "hello");
    mkdirSync(hello);
    run("npm", ["init", "-y"], hello);
    // The README's reason for .mjs: npm init -y declares the project CommonJS.
    assert.equal(JSON.parse(readFileSync(join(hello, "package.json"), "utf8")).type, "commonjs");
    run("npm", ["install", tarball, "--no-audit", "--no-fund"], hello);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(hello, name), text);
    assert.equal(run(process.execPath, ["app.mjs"], hello).trim(), prints);
  });

  step("bun build --compile of an app that uses a pool starts its workers and runs a task", () => {
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
  });

  step("a bun init app type-checks against the installed package", () => {
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
