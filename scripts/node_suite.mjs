// The pool's behaviour tests, and the job server's and client's over HTTP, on Node, against the
// built package: Node 20 cannot load our .ts files, so each test file, fixture and source module
// (and the server tests' helpers) is transpiled one for one (no bundling, so every
// import.meta.url and relative URL keeps its meaning) into a scratch copy of the tree, with its
// .ts specifiers renamed .js, and `mod.js`, `server.js`, `client.js` and `redis.js` there
// re-export dist/'s:
// the pool, server and client under test are the npm build, whose Node worker-thread transport
// and node:http glue Deno and Bun never use. Then `node --test` runs the files.
//
// `node --test` exits 0 with skipped and todo tests, so its exit code is not the verdict: it also
// writes a JUnit report (Node's names every skip form: t.skip(), t.todo(), test.skip, { skip },
// { todo }, test.todo, describe.skip, it.skip, it.todo), judged by the same fileVerdict as the
// Deno and Bun runs; a skipped or todo test, or a failed one, fails the suite and is named.
//
// Usage: node scripts/node_suite.mjs [tests/pool/some_test.ts …]
import { build } from "esbuild";
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./ensure_deps.mjs";
import { buildPackage } from "./build.mjs";
import { fileVerdict } from "./test_summary.mjs";

/**
 * The files that run on Node: the pool's behaviour (the exit tests run their child scripts with
 * node, from the transpiled tree), the server and client over HTTP, and the Redis queue. Left out
 * from tests/pool: start_test (the start without read permission is Deno's), and machine_cpu_test
 * and spread_test (not run on Node yet).
 */
export const NODE_SUITE = [
  "tests/pool/async_cpu_test.ts",
  "tests/pool/cancel_test.ts",
  "tests/pool/chaos_test.ts",
  "tests/pool/close_test.ts",
  "tests/pool/defaults_test.ts",
  "tests/pool/exactly_once_test.ts",
  "tests/pool/exit_test.ts",
  "tests/pool/faults_test.ts",
  "tests/pool/forgotten_close_test.ts",
  "tests/pool/idle_exit_test.ts",
  "tests/pool/map_inline_test.ts",
  "tests/pool/map_test.ts",
  "tests/pool/metrics_test.ts",
  "tests/pool/pool_test.ts",
  "tests/pool/promises_test.ts",
  "tests/pool/stream_test.ts",
  "tests/pool/task_names_test.ts",
  "tests/pool/validation_test.ts",
  // The job server (dist/server.js) served by the node:http glue on Node itself, its routes, its
  // limits, and the client (dist/client.js) against it; `workloom serve` run by node from the
  // transpiled bin (its failures, secrets, bounded shutdown). Left out: files that start a server
  // with Deno or Bun themselves (drain, stream limits), files that read the source's import graph
  // or name the runtime as deno or bun, and the host check's file (Node, like Bun, answers a
  // Host-less HTTP/1.1 request 400 itself, where the file expects Deno's 421).
  "tests/server/node_http_test.ts",
  "tests/server/jobs_routes_test.ts",
  "tests/server/errors_test.ts",
  "tests/server/events_test.ts",
  "tests/server/job_limits_test.ts",
  "tests/server/retention_sweep_test.ts",
  "tests/server/token_routes_test.ts",
  "tests/server/wait_cap_test.ts",
  "tests/server/metrics_label_cap_test.ts",
  "tests/server/change_feed_test.ts",
  "tests/server/mount_test.ts",
  "tests/server/fairness_test.ts",
  "tests/client/create_client_test.ts",
  "tests/cli/cli_behaves_test.ts",
  "tests/cli/serve_secrets_test.ts",
  "tests/cli/serve_shutdown_test.ts",
  "tests/cli/serve_redis_timeout_test.ts",
  // The Redis queue (dist/redis.js) with a real redis-server, one node or several in-process.
  "tests/redis/redis_link_test.ts",
  "tests/redis/redis_jobs_test.ts",
  "tests/redis/redis_queue_test.ts",
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
  // Every helper beside the tests (fixtures, server and Redis helpers, shared suites), so that a
  // test file importing a new one does not fail to load on Node alone.
  const helpers = [...tsFiles("tests")].filter((f) => !f.endsWith("_test.ts"));
  const entryPoints = [...tsFiles("src"), ...tsFiles("workers"), ...helpers];
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
  // The transpiled sources import the optional peers (hono, zod, redis): from here, as from dist/.
  symlinkSync(join(root, "node_modules"), join(out, "node_modules"));
  // Tests that read the project's manifests (the version) find them at the root, as in the tree.
  for (const f of ["package.json", "jsr.json"]) copyFileSync(join(root, f), join(out, f));
  // The sources that make a pool themselves (the serve and demo commands) get the npm build's too:
  // a pool transpiled here would look for its worker entries beside src/transport/.
  writeFileSync(
    join(out, "src/pool.js"),
    `export { createPool, Pool } from ${
      JSON.stringify(pathToFileURL(join(root, "dist/mod.js")).href)
    };\n`,
  );
  for (const entry of ["mod", "server", "client", "redis"]) {
    writeFileSync(
      join(out, `${entry}.js`),
      `export * from ${JSON.stringify(pathToFileURL(join(root, `dist/${entry}.js`)).href)};\n`,
    );
  }
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
