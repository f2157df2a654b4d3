// Runs test files one process each, a few at a time, each under a deadline: a file that hangs is
// killed (with everything it started) and reported instead of stalling the whole suite.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, root } from "./ensure_deps.mjs";
import { fileVerdict } from "./test_summary.mjs";

/** Every tests/**\/*_test.ts under `dir` (relative to the root), sorted. */
export function findTestFiles(dir = "tests") {
  return readdirSync(join(root, dir), { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => f.endsWith("_test.ts") && !f.split("/").includes("fixtures"))
    .sort();
}

/**
 * The command that runs one test file on a runtime and writes its JUnit report to `junit`; with
 * `failFast` the runtime stops at the first failed test case (the claims check needs only one).
 */
function testCommand(runtime, file, junit, failFast) {
  return runtime === "deno"
    // --no-check: the suite was type-checked once before the tests (or the caller said not to).
    // The import map gives the file scripts/deno_node_test.mjs for "node:test": Deno's own,
    // saying on stderr what Deno would let pass (a throwing after() hook, an error between tests).
    // The runner's own map, whatever tree the file runs in (a claims scratch copy, a fixture
    // tree without scripts/).
    ? [bin("deno"), [
      "test",
      "-A",
      "--no-check",
      ...(failFast ? ["--fail-fast"] : []),
      `--import-map=${root}scripts/deno_import_map.json`,
      `--junit-path=${junit}`,
      file,
    ]]
    // "./": without it Bun takes the argument as a filter on file names, not a path.
    // Bun's own per-test timeout is 5 s, which a loaded 2-core machine passes in the chaos and
    // stress tests; Deno has none. The file deadline still catches a hang.
    : [bin("bun"), [
      "test",
      "--timeout=60000",
      ...(failFast ? ["--bail"] : []),
      "--reporter=junit",
      `--reporter-outfile=${junit}`,
      `./${file}`,
    ]];
}

const running = new Set();

/** Kills every process group still running (the runner itself is being stopped). */
export function killAll() {
  for (const pid of running) killGroup(pid);
}

function killGroup(pid) {
  try {
    // The child leads its own group (detached), so this reaches the workers and processes it
    // started too, not only the runtime.
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Runs one file and resolves with its verdict plus { runtime, file, seconds, output }. The
 * output is kept, not streamed, so that files running side by side do not interleave.
 */
function runFile(runtime, file, deadlineS, scratch, cwd, failFast) {
  const junit = join(scratch, `${runtime}-${file.replaceAll("/", "_")}.xml`);
  const [cmd, args] = testCommand(runtime, file, junit, failFast);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      detached: true,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child.pid);
    let output = "";
    child.stdout.on("data", (chunk) => output += chunk);
    child.stderr.on("data", (chunk) => output += chunk);
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      killGroup(child.pid);
    }, deadlineS * 1000);
    // On exit, end whatever the file left behind: an orphan holding the pipes open would keep
    // "close" from ever firing.
    child.on("exit", () => killGroup(child.pid));
    child.on("close", (code) => {
      clearTimeout(timer);
      running.delete(child.pid);
      let report = null;
      try {
        report = readFileSync(junit, "utf8");
      } catch {
        // No report: the verdict says so.
      }
      const seconds = hung ? deadlineS : Math.round((performance.now() - t0) / 100) / 10;
      // The source too: some skips show in no report (scripts/skip_forms.mjs).
      const source = readFileSync(join(cwd, file), "utf8");
      resolve({
        runtime,
        file,
        seconds,
        output,
        ...fileVerdict({ code, hung, seconds, junit: report, output, source }),
      });
    });
  });
}

/**
 * True for a test file that measures how the pool shares the CPU (it says `workloom-test: solo`
 * in its source): it runs with no other test file beside it, since another file's threads on our
 * two cores would skew what it measures.
 */
function isSolo(file, cwd) {
  return readFileSync(join(cwd, file), "utf8").includes("workloom-test: solo");
}

/**
 * Runs `files` on `runtime`, `jobs` at a time (solo files alone, after the others), calling
 * `onDone` with each file's result as it ends; resolves with all results in file order. `cwd` is
 * the tree the files are in (the project root unless the claims check runs a scratch copy);
 * `failFast` stops each file at its first failed test case.
 */
export async function runFiles(
  runtime,
  files,
  { jobs, deadlineS, onDone, cwd = root, failFast = false },
) {
  const scratch = mkdtempSync(join(tmpdir(), "workloom-test-"));
  const results = new Array(files.length);
  const order = files.map((file, i) => ({ file, i, solo: isSolo(file, cwd) }));
  const shared = order.filter((f) => !f.solo);
  const solo = order.filter((f) => f.solo);
  async function run(batch, width) {
    let next = 0;
    async function lane() {
      while (next < batch.length) {
        const { file, i } = batch[next++];
        results[i] = await runFile(runtime, file, deadlineS, scratch, cwd, failFast);
        onDone(results[i]);
      }
    }
    await Promise.all(Array.from({ length: Math.min(width, batch.length) }, lane));
  }
  try {
    await run(shared, jobs);
    await run(solo, 1);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return results;
}
