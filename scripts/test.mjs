// The whole suite: installs what it needs, type-checks, lints and checks the format, then runs
// every tests/**/*_test.ts file on Deno and on Bun, each file in its own process under a
// deadline, and ends with one line "N passed, N failed, N skipped" over both runtimes.
//
// A file that does not load, that hangs past its deadline, or whose process fails while no test
// did, counts as a failed test; a skipped or todo test fails the run (no skipped test stays in
// the suite). The exit code is 0 only when all of that is clean and every check passed.
//
// Usage: npm test [-- --only deno|bun] [-- --no-check] [-- --jobs 2] [-- --deadline 120]
//                 [-- tests/some_test.ts | tests/engine/ | substring …]
// The deadline (seconds per file) can also come from WORKLOOM_TEST_DEADLINE.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { bin, depcruise, ensureCycleTool, ensureDeps, root } from "./ensure_deps.mjs";
import { findTestFiles, killAll, runFiles } from "./test_files.mjs";
import { closingLine } from "./test_summary.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: "string" },
    "no-check": { type: "boolean" },
    jobs: { type: "string", default: "2" },
    deadline: { type: "string", default: process.env.WORKLOOM_TEST_DEADLINE ?? "120" },
  },
});
const jobs = positiveNumber("jobs", values.jobs);
const deadlineS = positiveNumber("deadline", values.deadline);
if (values.only && !["deno", "bun"].includes(values.only)) {
  throw new RangeError(`--only must be one of deno, bun: current value is ${values.only}`);
}

function positiveNumber(name, text) {
  const n = Number(text);
  if (!(n > 0)) {
    throw new RangeError(`--${name} must be a positive number: current value is ${text}`);
  }
  return n;
}

/**
 * Runs a check command, streaming its output, and resolves with its exit code and the last lines
 * it printed: a failed check's own verdict (which claim stayed green, which file is misformatted)
 * is then repeated at the end of the log, where a reader of a long log's tail finds it.
 */
function check(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let tail = "";
    const keep = (chunk, out) => {
      out.write(chunk);
      tail = (tail + chunk.toString()).slice(-TAIL_CHARS);
    };
    child.stdout.on("data", (c) => keep(c, process.stdout));
    child.stderr.on("data", (c) => keep(c, process.stderr));
    child.on("close", (code) => {
      const lines = tail.split("\n").filter((l) => l.trim()).slice(-TAIL_LINES);
      resolve({ code: code ?? 1, tail: lines });
    });
  });
}
// Enough for the claims check's list of claims that stayed green and its count line.
const TAIL_LINES = 24;
const TAIL_CHARS = 4000;

/** The files to run: all of them, or those the positionals name (a file, a folder, a substring). */
function selectFiles() {
  const all = findTestFiles();
  if (!positionals.length) return all;
  const chosen = new Set();
  for (const p of positionals) {
    const path = p.replace(/^\.\//, "");
    if (existsSync(`${root}${path}`) && statSync(`${root}${path}`).isFile()) chosen.add(path);
    else for (const f of all.filter((f) => f.includes(path))) chosen.add(f);
  }
  return [...chosen].sort();
}

function report(r) {
  const clean = r.problems.length === 0;
  const hang = r.problems.find((p) => p.startsWith("HANG"));
  const status = hang
    ? `HANG ${r.file} after ${r.seconds} s`
    : `${clean ? "ok  " : "FAIL"} ${r.file}`;
  console.log(
    `${status}  [${r.runtime}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped, ${r.seconds} s]`,
  );
  // Only a file that was not clean shows its output: the rest would bury it.
  if (!clean) {
    console.log(r.output.trimEnd().replace(/^/gm, "  │ "));
    for (const p of r.problems) console.log(`  ▶ ${p}`);
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

ensureDeps();
if (!values["no-check"] && !values.only) ensureCycleTool();
const failedChecks = [];
/** The last lines each failed check printed, repeated in the closing summary. */
const checkTails = new Map();
if (!values["no-check"] && !values.only) {
  const dirs = [
    "mod.ts",
    "server.ts",
    "client.ts",
    "redis.ts",
    "src/",
    "workers/",
    "tests/",
    "bench/",
    "examples/",
  ];
  for (
    const [name, cmd, args] of [
      ["deno check", bin("deno"), ["check", ...dirs]],
      ["tsc", bin("tsc"), ["--noEmit", "-p", "."]],
      ["deno lint", bin("deno"), ["lint"]],
      ["deno fmt", bin("deno"), ["fmt", "--check", ...dirs]],
      // Every JSDoc @example in the published modules is type-checked and run (those marked
      // ignore are not), then JSR's publish checks, slow types included.
      [
        "doc tests",
        bin("deno"),
        ["test", "--doc", "-A", "-q", "mod.ts", "server.ts", "client.ts", "src/", "workers/"],
      ],
      // --allow-dirty: a working tree with changes not yet committed is still worth checking.
      ["deno publish --dry-run", bin("deno"), ["publish", "--dry-run", "--allow-dirty"]],
      // npm pack, then the tarball installed into scratch projects: a task on Node, Bun and
      // Deno, the bin, and a bun init app type-checking against it (scripts/package_smoke.mjs).
      ["package", process.execPath, ["scripts/package_smoke.mjs"]],
      // The pool behaviour files on Node, against dist/ (scripts/node_suite.mjs).
      ["node pool suite", process.execPath, ["scripts/node_suite.mjs"]],
      // Each claim's mechanism removed in a scratch copy: its named test must go red
      // (scripts/claims.mjs, tests/claims/*.json).
      ["claims", process.execPath, ["scripts/claims.mjs"]],
      [
        "import cycles",
        depcruise,
        [
          "--config",
          "tools/cycles/.dependency-cruiser.cjs",
          "--output-type",
          "err",
          ...dirs.filter((d) => !d.startsWith("tests") && !d.startsWith("bench")),
        ],
      ],
    ]
  ) {
    const { code, tail } = await check(cmd, args);
    if (code !== 0) {
      failedChecks.push(name);
      checkTails.set(name, tail);
      console.error(`workloom: ${name} failed`);
    }
  }
}

const files = selectFiles();
if (!files.length) {
  console.error(`workloom: no test file matches ${positionals.join(" ")}`);
  failedChecks.push("file selection");
}
const results = [];
for (const runtime of ["deno", "bun"]) {
  if (values.only && values.only !== runtime) continue;
  const t0 = performance.now();
  results.push(...await runFiles(runtime, files, { jobs, deadlineS, onDone: report }));
  console.log(
    `workloom: ${runtime} ran ${files.length} files in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );
}

// A failed check (types, lint, format) counts as a failure in the closing line too, so that the
// line alone never reads "0 failed" for a run that failed.
const totals = { passed: 0, failed: failedChecks.length, skipped: 0 };
for (const r of results) {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
}
const broken = results.filter((r) => r.problems.length);
if (broken.length || failedChecks.length) {
  console.log("\nworkloom: not clean:");
  for (const name of failedChecks) {
    console.log(`  ${name} failed`);
    for (const line of checkTails.get(name) ?? []) console.log(`    ${line.slice(0, 300)}`);
  }
  for (const r of broken) {
    for (const p of r.problems) console.log(`  ${r.runtime} ${r.file}: ${p}`);
    // The first error lines again: the file's own output may be far up a long log.
    for (const e of firstErrors(r.output)) console.log(`    ${e}`);
  }
  if (totals.skipped) {
    console.log(`  ${totals.skipped} skipped or todo test(s): the suite keeps no skipped test`);
  }
  console.log("");
}
console.log(closingLine(totals));

/** Up to three lines of `output` that name an error, without colours. */
function firstErrors(output) {
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  return plain.filter((l) => /\b\w*Error\b:/.test(l)).map((l) => l.trim().slice(0, 300))
    .slice(0, 3);
}
process.exit(totals.failed || totals.skipped || failedChecks.length ? 1 : 0);
