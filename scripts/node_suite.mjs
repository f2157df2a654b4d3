// The pool's behaviour tests on Node, against the built package: Node 20 cannot load our .ts
// files, so each test file, fixture and source module is transpiled one for one (no bundling,
// so every import.meta.url and relative URL keeps its meaning) into a scratch copy of the tree,
// with its .ts specifiers renamed .js, and `mod.js` there re-exports dist/mod.js: the pool under
// test is the npm build, whose Node worker-thread transport Deno and Bun never use. Then
// `node --test` runs the files.
//
// `node --test` exits 0 with skipped and todo tests, so its exit code is not the verdict: it also
// writes a JUnit report (Node's names every skip form: t.skip(), t.todo(), test.skip, { skip },
// { todo }, test.todo, describe.skip, it.skip, it.todo), judged by the same fileVerdict as the
// Deno and Bun runs; a skipped or todo test, or a failed one, fails the suite and is named.
//
// Usage: node scripts/node_suite.mjs [tests/pool/some_test.ts …]
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./ensure_deps.mjs";
import { buildPackage } from "./build.mjs";
import { fileVerdict } from "./test_summary.mjs";

/**
 * The pool behaviour files that run on Node. Left out: those that start a script with Deno or
 * Bun as a child process (exit, idle exit, forgotten close, start without read permission).
 */
export const NODE_SUITE = [
  "tests/pool/async_cpu_test.ts",
  "tests/pool/cancel_test.ts",
  "tests/pool/chaos_test.ts",
  "tests/pool/close_test.ts",
  "tests/pool/defaults_test.ts",
  "tests/pool/exactly_once_test.ts",
  "tests/pool/faults_test.ts",
  "tests/pool/map_inline_test.ts",
  "tests/pool/map_test.ts",
  "tests/pool/metrics_test.ts",
  "tests/pool/pool_test.ts",
  "tests/pool/promises_test.ts",
  "tests/pool/stream_test.ts",
  "tests/pool/task_names_test.ts",
  "tests/pool/validation_test.ts",
];

function* tsFiles(dir) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) yield path;
  }
}

/** Transpiles the tree into `out` and returns the test files there. */
async function transpile(out, files) {
  const entryPoints = [...tsFiles("src"), ...tsFiles("workers"), ...tsFiles("tests/fixtures")];
  entryPoints.push(...files);
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir: out,
    outbase: root,
    format: "esm",
    platform: "node",
    target: "es2022",
    logLevel: "warning",
  });
  // Relative specifiers and URLs (imports, new URL("../fixtures/tasks.ts", …)) name .ts files.
  const spec = /(["'])(\.{1,2}\/[^"'\n]*?)\.ts\1/g;
  for (const file of entryPoints) {
    const path = join(out, file.replace(/\.ts$/, ".js"));
    writeFileSync(path, readFileSync(path, "utf8").replace(spec, "$1$2.js$1"));
  }
  writeFileSync(
    join(out, "mod.js"),
    `export * from ${JSON.stringify(pathToFileURL(join(root, "dist/mod.js")).href)};\n`,
  );
  return files.map((f) => join(out, f.replace(/\.ts$/, ".js")));
}

/**
 * Builds, transpiles and runs `files` with node --test; resolves with 0 when every test passed
 * and none was skipped or todo, 1 otherwise (each such test named on stderr).
 */
export async function runNodeSuite(files = NODE_SUITE, { stdio = "inherit" } = {}) {
  await buildPackage();
  const out = mkdtempSync(join(tmpdir(), "workloom-node-suite-"));
  try {
    const tests = await transpile(out, files);
    const junit = join(out, "junit.xml");
    const t0 = performance.now();
    const code = await new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          "--test",
          "--test-reporter=dot",
          "--test-reporter-destination=stdout",
          "--test-reporter=junit",
          `--test-reporter-destination=${junit}`,
          "--test-concurrency=2",
          "--test-timeout=120000",
          ...tests,
        ],
        { cwd: out, stdio: ["ignore", stdio, stdio], env: { ...process.env, NO_COLOR: "1" } },
      );
      child.on("close", (code) => resolve(code));
    });
    const verdict = fileVerdict({
      code,
      hung: false,
      seconds: Math.round((performance.now() - t0) / 1000),
      junit: existsSync(junit) ? readFileSync(junit, "utf8") : null,
    });
    for (const problem of verdict.problems) console.error(`node suite: ${problem}`);
    console.error(
      `node suite: ${verdict.passed} passed, ${verdict.failed} failed, ${verdict.skipped} skipped`,
    );
    return verdict.failed || verdict.skipped ? 1 : 0;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2).map((f) => relative(root, join(process.cwd(), f)));
  process.exitCode = await runNodeSuite(args.length ? args : NODE_SUITE);
}
