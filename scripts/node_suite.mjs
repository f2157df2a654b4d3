// The pool's behaviour tests on Node, against the built package: Node 20 cannot load our .ts
// files, so each test file, fixture and source module is transpiled one for one (no bundling,
// so every import.meta.url and relative URL keeps its meaning) into a scratch copy of the tree,
// with its .ts specifiers renamed .js, and `mod.js` there re-exports dist/mod.js: the pool under
// test is the npm build, whose Node worker-thread transport Deno and Bun never use. Then
// `node --test` runs the files.
//
// Usage: node scripts/node_suite.mjs [tests/pool/some_test.ts …]
import { build } from "esbuild";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./ensure_deps.mjs";
import { buildPackage } from "./build.mjs";

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

/** Builds, transpiles and runs `files` with node --test; resolves with its exit code. */
export async function runNodeSuite(files = NODE_SUITE, { stdio = "inherit" } = {}) {
  await buildPackage();
  const out = mkdtempSync(join(tmpdir(), "workloom-node-suite-"));
  try {
    const tests = await transpile(out, files);
    return await new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          "--test",
          "--test-reporter=dot",
          "--test-concurrency=2",
          "--test-timeout=120000",
          ...tests,
        ],
        { cwd: out, stdio: ["ignore", stdio, stdio], env: { ...process.env, NO_COLOR: "1" } },
      );
      child.on("close", (code) => resolve(code ?? 1));
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2).map((f) => relative(root, join(process.cwd(), f)));
  process.exitCode = await runNodeSuite(args.length ? args : NODE_SUITE);
}
