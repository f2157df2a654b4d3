// Finds, in a test file's source, every way node:test has of not running a test. The JUnit
// reports do not show them all: Deno reports a test that called t.skip() or t.todo() as passed,
// and Bun leaves a describe.skip() block out of its report and its output altogether (see the
// table in tests/scripts/test_summary_test.ts). Reading the source catches those, and it does
// not depend on a runtime's reporter keeping its current behaviour. It reads the test file
// only: a helper that skips on a test's behalf is left to the reports.

// test.skip( it.todo( describe.skip( suite.only( t.skip( t.todo( … and Bun's skipIf/todoIf, called
// or not (const later = test.skip).
const CALL = /\.\s*(skip|todo|only|skipIf|todoIf)\b/g;
// { skip: … } { todo: … } { only: … } and Deno.test's { ignore: … } as an option key.
const KEY = /(?:^|[{,\s])(skip|todo|only|ignore)\s*:/g;

/**
 * Every skip, todo or only form in `source`, as { line, form, text } with 1-based line numbers,
 * one per line and form, comments and string contents left out (a test named "t.skip() is
 * refused" skips nothing). An empty list means the file runs every test it declares.
 *
 * @example
 * skipForms('test("a", { todo: true }, () => {});'); // → [{ line: 1, form: "todo:", text: … }]
 *
 * @param {string} source the test file's text
 * @returns {{ line: number, form: string, text: string }[]}
 */
export function skipForms(source) {
  const found = [];
  const original = source.split("\n");
  blanked(source).split("\n").forEach((code, i) => {
    const forms = new Set();
    for (const m of code.matchAll(CALL)) forms.add(`.${m[1]}()`);
    for (const m of code.matchAll(KEY)) forms.add(`${m[1]}:`);
    for (const form of forms) found.push({ line: i + 1, form, text: original[i].trim() });
  });
  return found;
}

// A string literal or a comment, whichever starts first, so that a "//" inside a string or a
// quote inside a comment is read as part of it.
const STRING_OR_COMMENT =
  /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;

/** `source` with every string's and comment's text blanked out, line breaks kept. */
function blanked(source) {
  return source.replace(STRING_OR_COMMENT, (s) => s.replace(/[^\n]/g, " "));
}
