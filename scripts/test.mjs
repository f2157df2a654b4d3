// The whole suite: installs what it needs, type-checks and lints, then runs every test file on
// Deno and on Bun, and ends with one line "N passed, N failed" over both runtimes.
// Usage: npm test [-- --only deno|bun] [-- filter-substring]
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { bin, ensureDeps, root } from "./ensure_deps.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { only: { type: "string" }, "no-check": { type: "boolean" } },
});

/** Runs a command, streaming its output, and resolves with { code, out }. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const tee = (stream) => (chunk) => {
      out += chunk;
      stream.write(chunk);
    };
    child.stdout.on("data", tee(process.stdout));
    child.stderr.on("data", tee(process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

function files() {
  const filter = positionals[0];
  return filter ? [filter] : [];
}

ensureDeps();
let failedSteps = 0;
if (!values["no-check"] && !values.only) {
  for (const [name, cmd, args] of [
    ["deno check", bin("deno"), ["check", "mod.ts", "server.ts", "client.ts", "src/", "workers/", "tests/", "bench/", "examples/"]],
    ["tsc", bin("tsc"), ["--noEmit", "-p", "."]],
    ["deno lint", bin("deno"), ["lint"]],
    ["deno fmt", bin("deno"), ["fmt", "--check", "mod.ts", "server.ts", "client.ts", "src/", "workers/", "tests/", "bench/", "examples/"]],
  ]) {
    const r = await run(cmd, args);
    if (r.code !== 0) {
      failedSteps++;
      console.error(`workloom: ${name} failed`);
    }
  }
}

let passed = 0;
let failed = 0;
if (values.only !== "bun") {
  const target = files().length ? files() : ["tests/"];
  const r = await run(bin("deno"), ["test", "-A", "--no-check", ...target]);
  const m = r.out.match(/\|\s+(\d+) passed[^|]*\|\s+(\d+) failed/);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  } else failedSteps++;
  if (r.code !== 0 && !(m && Number(m[2]) > 0)) failedSteps++;
}
if (values.only !== "deno") {
  const target = files().length ? files().map((f) => `./${f}`) : [];
  const r = await run(bin("bun"), ["test", ...target]);
  const p = r.out.match(/^\s*(\d+) pass$/m);
  const f = r.out.match(/^\s*(\d+) fail$/m);
  if (p) {
    passed += Number(p[1]);
    failed += f ? Number(f[1]) : 0;
  } else failedSteps++;
  if (r.code !== 0 && !(f && Number(f[1]) > 0)) failedSteps++;
}
if (failedSteps) console.error(`workloom: ${failedSteps} step(s) failed outside the test counts`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || failedSteps ? 1 : 0);
