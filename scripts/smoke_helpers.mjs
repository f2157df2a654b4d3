// The helpers of scripts/package_smoke.mjs: running commands, waiting, following the processes
// a command started (by a mark in their environment), and reading the README's Node example.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { root } from "./ensure_deps.mjs";

/** Runs a command, returns its stdout; throws with its output when it fails. */
export function run(cmd, args, cwd) {
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

export async function step(name, fn) {
  await fn();
  console.log(`ok   package: ${name}`);
}

/** Pids of live processes whose environment holds `mark` (every child inherits it). */
export function marked(mark) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(mark)) found.push(+entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Waits for `check()` to be truthy, polling; fails after `ms` naming `what`. */
export async function until(check, what, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts `cmd args` in `cwd` with a unique mark in its environment; resolves once `ready` shows in
 * its output (or it exited). `proc.gone()` checks the process table for any process it left.
 */
export async function startMarked(cmd, args, cwd, ready, env = {}) {
  const mark = `WORKLOOM_SMOKE_MARK=${Math.random().toString(36).slice(2)}`;
  const child = spawn(cmd, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    // An entry set to null is left out: a user's shell has none of the npm_* variables that
    // `npm test` puts in ours, and `bunx` decides from them who launched it.
    env: Object.fromEntries(
      Object.entries({
        ...process.env,
        NO_COLOR: "1",
        [mark.split("=")[0]]: mark.split("=")[1],
        ...env,
      }).filter(([, v]) => v !== null),
    ),
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  let code;
  const exited = new Promise((resolve) => child.once("exit", (c, sig) => resolve(code = c ?? sig)));
  try {
    await until(() => code !== undefined || ready.test(out), `${cmd} ${args.join(" ")}`);
  } catch (e) {
    for (const pid of marked(mark)) process.kill(pid, "SIGKILL");
    throw new Error(`${e.message}:\n${out}`);
  }
  return {
    child,
    mark,
    out: () => out,
    exited,
    gone: () => marked(mark).length === 0,
    kill: () => {
      for (const pid of marked(mark)) process.kill(pid, "SIGKILL");
    },
  };
}

export async function json(url, init) {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.json() };
}

/**
 * The README's Node example: the body of each fenced block whose first line is `// <name>`, and the
 * output its `node app.mjs   # prints: …` line promises. Read from the README itself, so that the
 * example cannot drift from what runs.
 */
export function readmeNodeExample() {
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
export function importGraph(file, seen = new Set()) {
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
