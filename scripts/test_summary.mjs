// What one test file's run amounted to, as pure functions over what the runner saw: the JUnit
// report the runtime wrote (Deno's --junit-path, Bun's --reporter=junit), the exit code and
// whether the deadline killed it. Kept apart from the process handling so it can be tested alone
// (tests/scripts/test_summary_test.ts).

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

/**
 * The verdict on one file's run: { passed, failed, skipped, problems } where `problems` lists,
 * in words, everything that makes the file not clean. A hang, a missing report, or a process
 * that failed while no test did (a load error, or an error thrown between tests) each count as
 * one failed test, so that the closing line can never read "0 failed" over a broken file.
 *
 * @param {{ code: number | null, hung: boolean, seconds: number, junit: string | null }} run
 */
export function fileVerdict({ code, hung, seconds, junit }) {
  if (hung) {
    return { passed: 0, failed: 1, skipped: 0, problems: [`HANG after ${seconds} s`] };
  }
  const counts = parseJunit(junit);
  if (!counts) {
    return {
      passed: 0,
      failed: 1,
      skipped: 0,
      problems: [`LOAD FAILURE: exited with code ${code} and wrote no test report`],
    };
  }
  const { passed, skipped } = counts;
  let failed = counts.failed;
  const problems = counts.failures.map((name) => `FAIL ${name}`);
  if (code !== 0 && failed === 0) {
    failed = 1;
    problems.push(
      `LOAD FAILURE: exited with code ${code} though no test failed (the file did not load, ` +
        `or an error was thrown between tests)`,
    );
  }
  if (code === 0 && passed + failed + skipped === 0) {
    failed = 1;
    problems.push("NO TESTS: the file ran no test");
  }
  problems.push(...counts.skips.map((name) => `SKIP ${name}`));
  return { passed, failed, skipped, problems };
}

/** The closing line CI reads: "N passed, N failed, N skipped", alone on its line. */
export function closingLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}
