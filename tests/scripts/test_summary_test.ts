// The runner's verdicts (scripts/test_summary.mjs), on what the runtimes really write: the
// fixture files in tests/fixtures/runner/ run through the real runFiles() on Deno and on Bun
// (whichever runtime runs this file), plus the pure functions on hand-written input.
//
// What each runtime reports for each way of not running a test (Deno 2.9.6, Bun 1.4.5, Node 20;
// "report" is the JUnit file, every runtime exits 0):
//
//   form                  Deno report       Bun report            Node report
//   t.skip() / t.todo()   passed            <skipped>             <skipped>
//   test.skip / .todo     <skipped>         <skipped>             <skipped>
//   { skip } / { todo }   <skipped>         <skipped>             <skipped>
//   describe.skip         <skipped>         absent (no output)    <skipped>
//   it.skip / it.todo     <skipped>         <skipped>             <skipped>
//   test.only             others <skipped>  all run               all run
//
// So the report alone lets t.skip()/t.todo() pass on Deno and describe.skip pass on Bun: the
// verdict also reads the source (scripts/skip_forms.mjs). And Deno passes a file whose after()
// hook throws or that throws between tests, which scripts/deno_node_test.mjs makes it print.
import { test } from "node:test";
import assert from "node:assert/strict";

type Verdict = { passed: number; failed: number; skipped: number; problems: string[] };
type Result = Verdict & { runtime: string; file: string; seconds: number; output: string };
type Run = {
  code: number | null;
  hung: boolean;
  seconds: number;
  junit: string | null;
  output?: string;
  source?: string;
};

// Imported by computed URL: the scripts are plain .mjs with no type declarations.
const summaryUrl = new URL("../../scripts/test_summary.mjs", import.meta.url).href;
const filesUrl = new URL("../../scripts/test_files.mjs", import.meta.url).href;
const formsUrl = new URL("../../scripts/skip_forms.mjs", import.meta.url).href;
const { fileVerdict, parseJunit, runtimeProblems, closingLine } = await import(summaryUrl) as {
  fileVerdict: (run: Run) => Verdict;
  parseJunit: (xml: unknown) =>
    | (Omit<Verdict, "problems"> & {
      failures: string[];
      skips: string[];
    })
    | null;
  runtimeProblems: (output: string) => string[];
  closingLine: (totals: { passed: number; failed: number; skipped: number }) => string;
};
const { runFiles } = await import(filesUrl) as {
  runFiles: (
    runtime: string,
    files: string[],
    options: { jobs: number; deadlineS: number; onDone: (r: Result) => void },
  ) => Promise<Result[]>;
};
const { skipForms } = await import(formsUrl) as {
  skipForms: (source: string) => { line: number; form: string; text: string }[];
};

const RUNTIMES = ["deno", "bun"];
/** Each skip fixture by file name, with the form it uses. */
const SKIP_FIXTURES: [string, string][] = [
  ["skip_context", "t.skip() inside a test"],
  ["todo_context", "t.todo() inside a test"],
  ["skip_call", "test.skip()"],
  ["todo_call", "test.todo()"],
  ["skip_option", "the { skip: true } option"],
  ["todo_option", "the { todo: true } option"],
  ["skip_describe", "describe.skip()"],
  ["skip_it", "it.skip() in a describe()"],
  ["todo_it", "it.todo() in a describe()"],
  ["only", "test.only(), which leaves the other test out on Deno"],
];
const OTHER_FIXTURES = [
  "passes",
  "load_failure",
  "no_tests",
  "before_fails",
  "after_fails",
  "throws_between",
];
const fixture = (name: string) => `tests/fixtures/runner/${name}_test.ts`;

let runs: Promise<Map<string, Result>> | undefined;

/**
 * Every fixture's result on both runtimes, keyed "runtime name", run once for the whole file:
 * all in parallel, the hanging one under a 2 s deadline and the rest under a generous one (a
 * loaded machine takes seconds to start a runtime, and only the hang may reach its deadline).
 */
function fixtureRuns(): Promise<Map<string, Result>> {
  runs ??= (async () => {
    const onDone = () => {};
    const batches = RUNTIMES.flatMap((runtime) => [
      runFiles(runtime, [...SKIP_FIXTURES.map(([name]) => name), ...OTHER_FIXTURES].map(fixture), {
        jobs: 6,
        deadlineS: 90,
        onDone,
      }),
      runFiles(runtime, [fixture("hangs")], { jobs: 1, deadlineS: 2, onDone }),
    ]);
    const byName = new Map<string, Result>();
    for (const r of (await Promise.all(batches)).flat()) {
      byName.set(`${r.runtime} ${r.file.replace(/^.*\/(.*)_test\.ts$/, "$1")}`, r);
    }
    return byName;
  })();
  return runs;
}

async function result(runtime: string, name: string): Promise<Result> {
  const r = (await fixtureRuns()).get(`${runtime} ${name}`);
  assert.ok(r, `no result for ${name} on ${runtime}`);
  return r;
}

/** Says which fixture a failed assertion is about, with what the runner printed for it. */
function about(r: Result): string {
  return `${r.runtime} ${r.file}: ${JSON.stringify(r.problems)}\n${r.output}`;
}

test("a clean file passes with no problem, on both runtimes", async () => {
  for (const runtime of RUNTIMES) {
    const r = await result(runtime, "passes");
    assert.deepEqual([r.passed, r.failed, r.skipped, r.problems], [1, 0, 0, []], about(r));
  }
});

for (const [name, form] of SKIP_FIXTURES) {
  test(`a file with a passing test and ${form} fails as skipped, on both runtimes`, async () => {
    for (const runtime of RUNTIMES) {
      const r = await result(runtime, name);
      assert.ok(r.skipped >= 1, `not counted as skipped: ${about(r)}`);
      assert.ok(r.problems.some((p) => p.startsWith("SKIP")), `no SKIP problem: ${about(r)}`);
      assert.equal(r.failed, 0, about(r));
    }
  });
}

test("a file that throws while it loads fails, on both runtimes", async () => {
  for (const runtime of RUNTIMES) {
    const r = await result(runtime, "load_failure");
    assert.ok(r.failed >= 1, about(r));
    assert.ok(r.output.includes("cannot load"), about(r));
  }
});

test("a file that declares no test fails as NO TESTS, on both runtimes", async () => {
  for (const runtime of RUNTIMES) {
    const r = await result(runtime, "no_tests");
    assert.equal(r.failed, 1, about(r));
    assert.match(r.problems.join("\n"), /^NO TESTS/m, about(r));
  }
});

test("a file that hangs is killed at its deadline and fails as a HANG, on both runtimes", async () => {
  for (const runtime of RUNTIMES) {
    const r = await result(runtime, "hangs");
    assert.deepEqual([r.passed, r.failed, r.seconds], [0, 1, 2], about(r));
    assert.match(r.problems[0], /^HANG after 2 s/, about(r));
  }
});

const ERROR_FIXTURES = [
  ["before_fails", "a before() hook that throws", "before hook failed"],
  ["after_fails", "an after() hook that throws once its tests passed", "after hook failed"],
  [
    "throws_between",
    "an error thrown by a timer between two passing tests",
    "thrown between tests",
  ],
];
for (const [name, what, message] of ERROR_FIXTURES) {
  test(`a file with ${what} fails and names the error, on both runtimes`, async () => {
    for (const runtime of RUNTIMES) {
      const r = await result(runtime, name);
      assert.ok(r.failed >= 1, about(r));
      // Named either as the failed test it was charged to, or as the error itself.
      if (!r.problems.some((p) => p.startsWith("FAIL"))) {
        assert.ok(r.problems.some((p) => p.includes(message)), about(r));
      }
    }
  });
}

// Pure cases: input written by hand, in the shapes the runtimes write.

const denoReport = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="3" failures="1" errors="0" time="0.010">
    <testsuite name="./x_test.ts" tests="3" disabled="1" errors="0" failures="1">
        <testcase name="a &gt; b" classname="./x_test.ts" time="0.001" line="2" col="1">
        </testcase>
        <testcase name="breaks" classname="./x_test.ts" time="0.000" line="3" col="1">
            <failure message="Uncaught Error: no">Error: no</failure>
        </testcase>
        <testcase name="later" classname="./x_test.ts" time="0.000" line="4" col="6">
            <skipped/>
        </testcase>
    </testsuite>
</testsuites>`;

const bunReport = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="bun test" tests="2" assertions="0" failures="0" skipped="1" time="0.02">
  <testsuite name="x_test.ts" file="x_test.ts" tests="2" failures="0" skipped="1">
    <testcase name="a -> b" classname="" time="0.001" file="x_test.ts" line="2" />
    <testcase name="someday" classname="" time="0" file="x_test.ts" line="3">
      <skipped message="TODO" />
    </testcase>
  </testsuite>
</testsuites>`;

test("parseJunit counts passed, failed and skipped cases and names them, in Deno's and Bun's shapes", () => {
  assert.deepEqual(parseJunit(denoReport), {
    passed: 1,
    failed: 1,
    skipped: 1,
    failures: ["breaks"],
    skips: ["later"],
  });
  assert.deepEqual(parseJunit(bunReport), {
    passed: 1,
    failed: 0,
    skipped: 1,
    failures: [],
    skips: ["someday"],
  });
  assert.equal(parseJunit(null), null);
  assert.equal(parseJunit("error: module not found"), null);
});

const clean = {
  code: 0,
  hung: false,
  seconds: 1,
  junit: bunReport.replace(/<skipped[^>]*\/>/, ""),
};

test("fileVerdict: a hang, a missing report and a failed exit each count as a failed test", () => {
  assert.deepEqual(fileVerdict({ ...clean, hung: true, seconds: 5 }), {
    passed: 0,
    failed: 1,
    skipped: 0,
    problems: ["HANG after 5 s"],
  });
  const load = fileVerdict({ ...clean, code: 1, junit: null });
  assert.equal(load.failed, 1);
  assert.match(load.problems[0], /^LOAD FAILURE: exited with code 1/);
  const between = fileVerdict({ ...clean, code: 1 });
  assert.deepEqual([between.passed, between.failed], [2, 1]);
  assert.match(between.problems[0], /^LOAD FAILURE: exited with code 1 though no test failed/);
  const none = fileVerdict({
    ...clean,
    junit: '<testsuites name="deno test" tests="0">\n</testsuites>',
  });
  assert.deepEqual([none.failed, none.problems], [1, ["NO TESTS: the file ran no test"]]);
  assert.deepEqual(fileVerdict(clean), { passed: 2, failed: 0, skipped: 0, problems: [] });
});

test("fileVerdict counts a skip from the report, and one from the source that the report calls passed", () => {
  const reported = fileVerdict({ ...clean, junit: bunReport });
  assert.deepEqual([reported.skipped, reported.problems], [1, ["SKIP someday"]]);
  const dot = ".";
  const source = `test("x", (t) => {\n  t${dot}skip("later");\n});\n`;
  const scanned = fileVerdict({ ...clean, source });
  assert.equal(scanned.skipped, 1);
  assert.deepEqual(scanned.problems, [`SKIP .skip() in the source, line 2: t${dot}skip("later");`]);
});

test("fileVerdict counts an error the runtime printed but did not count as a failed test", () => {
  const deno = fileVerdict({
    ...clean,
    output: "ok\nworkloom-runner: after() hook failed: Error: gone\nok | 2 passed\n",
  });
  assert.deepEqual([deno.failed, deno.problems], [1, ["ERROR after() hook failed: Error: gone"]]);
  const bun = fileVerdict({
    ...clean,
    code: 1,
    output: "(pass) a\n\n# Unhandled error between tests\n----\n6 | x\nerror: it broke\n  at y\n",
  });
  assert.deepEqual([bun.failed, bun.problems], [1, ["ERROR between tests: it broke"]]);
  assert.deepEqual(runtimeProblems("all fine\n1 pass\n"), []);
});

test("skipForms finds every skip, todo and only form, and none in strings or comments", () => {
  const dot = ".";
  const forms = (code: string) => skipForms(code).map((f) => `${f.line} ${f.form}`);
  const source = [
    `test${dot}skip("a", () => {});`,
    `it${dot}todo("b");`,
    `describe${dot}skip("c", () => {});`,
    `test("d", { skip: true }, () => {});`,
    `test("e", { todo: "later" }, () => {});`,
    `test${dot}only("f", () => {});`,
    `test("g", (t) => t${dot}todo());`,
    `Deno.test({ name: "h", ignore: true, fn() {} });`,
  ].join("\n");
  assert.deepEqual(forms(source), [
    "1 .skip()",
    "2 .todo()",
    "3 .skip()",
    "4 skip:",
    "5 todo:",
    "6 .only()",
    "7 .todo()",
    "8 ignore:",
  ]);
  const quiet = [
    `test("refuses t${dot}skip() and { skip: true }", () => {}); // t${dot}skip()`,
    `/* describe${dot}skip("x") */ const url = "http://x/${dot}only";`,
    `assert.deepEqual(order(["only"]), ["only"]);`,
  ].join("\n");
  assert.deepEqual(forms(quiet), []);
});

test("closingLine is the one line CI reads", () => {
  assert.equal(closingLine({ passed: 3, failed: 1, skipped: 2 }), "3 passed, 1 failed, 2 skipped");
});
