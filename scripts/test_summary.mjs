// What one test file's run amounted to, as pure functions over what the runner saw: the JUnit
// report the runtime wrote (Deno's --junit-path, Bun's --reporter=junit, Node's
// --test-reporter=junit), the exit code, whether the deadline killed it, its output and its
// source. Kept apart from the process handling so it can be tested alone
// (tests/scripts/test_summary_test.ts).
//
// No one of these is enough on its own, so the verdict combines them:
//   - the report names failed tests, and most skipped and todo ones, on every runtime;
//   - Deno reports a test that called t.skip() or t.todo() as passed, and Bun leaves a
//     describe.skip() block out of its report: the source scan (skip_forms.mjs) catches those;
//   - Deno passes a file whose after()/afterEach() hook throws or that throws between tests
//     (scripts/deno_node_test.mjs makes it say so on stderr); Bun says "# Unhandled error
//     between tests" and exits 1 with no failed test in its report: the output catches those;
//   - a file that does not load writes no report (or an empty one) and exits non-zero, and a
//     file that hangs writes none: the exit code and the deadline catch those.
import { skipForms } from "./skip_forms.mjs";

// One <testcase> element, self-closing or with a body. Attribute values may hold a raw ">" (XML
// only requires "<" and "&" to be escaped), so attributes are matched as name="value" pairs.
const TESTCASE = /<testcase\b(?:\s+[\w:.-]+="[^"]*")*\s*(?:\/>|>([\s\S]*?)<\/testcase>)/g;
const NAME = /\sname="([^"]*)"/;

/**
 * Counts the test cases of a JUnit report: { passed, failed, skipped, failures, skips } where the
 * last two list the names of the failed and skipped cases. A skipped or todo test is `skipped`
 * on both runtimes. Returns null when `xml` holds no <testsuites> report at all.
 */
export function parseJunit(xml) {
  if (typeof xml !== "string" || !/<testsuites\b/.test(xml)) return null;
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  for (const match of xml.matchAll(TESTCASE)) {
    const name = unescapeXml(match[0].match(NAME)?.[1] ?? "?");
    const body = match[1] ?? "";
    if (/<(failure|error)\b/.test(body)) {
      counts.failed++;
      counts.failures.push(name);
    } else if (/<skipped\b/.test(body)) {
      counts.skipped++;
      counts.skips.push(name);
    } else counts.passed++;
  }
  return counts;
}

function unescapeXml(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&#10;/g, "\n").replace(/&amp;/g, "&");
}

/** What scripts/deno_node_test.mjs writes before each failure Deno would not report. */
const DENO_MARK = /^workloom-runner: (.*)$/gm;
/** Bun's header over an error thrown outside any test (a hook, a timer, an unhandled promise). */
const BUN_BETWEEN = /^# Unhandled error between tests$/gm;

/**
 * The failures a runtime printed but did not count as failed tests, one line each: the lines
 * scripts/deno_node_test.mjs writes on Deno, and each of Bun's "# Unhandled error between
 * tests" blocks (named by the "error: …" line that follows it).
 *
 * @param {string} output the file's stdout and stderr
 * @returns {string[]}
 */
export function runtimeProblems(output) {
  const problems = [];
  for (const m of output.matchAll(DENO_MARK)) problems.push(`ERROR ${m[1]}`);
  for (const m of output.matchAll(BUN_BETWEEN)) {
    const error = output.slice(m.index).match(/^error: (.*)$/m)?.[1] ?? "see the output";
    problems.push(`ERROR between tests: ${error}`);
  }
  return problems;
}

/**
 * The verdict on one file's run: { passed, failed, skipped, problems } where `problems` lists,
 * in words, everything that makes the file not clean. A hang, a missing report, an error the
 * runtime printed but did not count (runtimeProblems), or a process that failed while no test
 * did (a load error) each count as one failed test, so that the closing line can never read
 * "0 failed" over a broken file. Every skip, todo or only form in the source counts as skipped
 * (the report's count when it shows more), so a skip fails the run even where the report calls
 * the test passed or leaves it out.
 *
 * @example
 * fileVerdict({ code: 0, hung: false, seconds: 1, junit: report, output, source });
 * // → { passed: 3, failed: 0, skipped: 0, problems: [] } for a clean file
 *
 * @param {{ code: number | null, hung: boolean, seconds: number, junit: string | null,
 *   output?: string, source?: string }} run
 */
export function fileVerdict({ code, hung, seconds, junit, output = "", source = "" }) {
  if (hung) {
    return { passed: 0, failed: 1, skipped: 0, problems: [`HANG after ${seconds} s`] };
  }
  const counts = parseJunit(junit);
  const forms = skipForms(source);
  const skipProblems = forms.map((f) => `SKIP ${f.form} in the source, line ${f.line}: ${f.text}`);
  if (!counts) {
    // Bun writes no report for a file that ran no test (none declared, or all of them inside a
    // describe.skip() block), and exits 0.
    const problem = code === 0
      ? "NO TESTS: exited with code 0 and wrote no test report"
      : `LOAD FAILURE: exited with code ${code} and wrote no test report`;
    return { passed: 0, failed: 1, skipped: forms.length, problems: [problem, ...skipProblems] };
  }
  const { passed } = counts;
  const problems = counts.failures.map((name) => `FAIL ${name}`);
  const errors = runtimeProblems(output);
  problems.push(...errors);
  let failed = counts.failed + errors.length;
  if (code !== 0 && failed === 0) {
    failed = 1;
    problems.push(
      `LOAD FAILURE: exited with code ${code} though no test failed (the file did not load, ` +
        `or an error was thrown between tests)`,
    );
  }
  if (code === 0 && passed + failed + counts.skipped + forms.length === 0) {
    failed = 1;
    problems.push("NO TESTS: the file ran no test");
  }
  problems.push(...counts.skips.map((name) => `SKIP ${name}`));
  problems.push(...skipProblems);
  const skipped = Math.max(counts.skipped, forms.length);
  return { passed, failed, skipped, problems };
}

/** The closing line CI reads: "N passed, N failed, N skipped", alone on its line. */
export function closingLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}
