// What a test file gets for "node:test" when the runner runs it on Deno (scripts/test_files.mjs
// maps the specifier here through scripts/deno_import_map.json): Deno's node:test itself, plus
// a line on stderr for each failure Deno's polyfill would otherwise swallow, so that the verdict
// (scripts/test_summary.mjs, runtimeProblems) can count it. Deno 2.9 passes a file in which
//   - an error is thrown from a timer, or a promise rejects unhandled, while a test runs or
//     between tests (its own "error"/"unhandledrejection" listeners preventDefault() them);
//   - a top-level after() or any afterEach() hook throws (it catches and ignores those).
// Bun reports both itself ("# Unhandled error between tests", exit 1), and so does Node.
//
// Listeners registered here run before Deno's: this module is evaluated before the test file's
// first test() call, which is when Deno installs its own.
import * as real from "node:test";

export * from "node:test";
export default real.default;

/** The prefix runtimeProblems() looks for; it names what the runtime would not report. */
const MARK = "workloom-runner:";

function say(what, error) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`${MARK} ${what}: ${message}`);
}

globalThis.addEventListener("error", (event) => say("uncaught error", event.error));
globalThis.addEventListener("unhandledrejection", (event) => {
  say("unhandled rejection", event.reason);
});

/** Wraps a hook so that a throw is reported, then thrown on as before. */
function reported(kind, fn) {
  if (typeof fn !== "function") return fn;
  return async function (...args) {
    try {
      return await fn.apply(this, args);
    } catch (error) {
      say(`${kind}() hook failed`, error);
      throw error;
    }
  };
}

// before() and beforeEach() failures already fail the tests they guard on Deno: only the two
// hooks whose errors Deno ignores are wrapped, so that a failure is not counted twice.
export function after(fn, options) {
  return real.after(reported("after", fn), options);
}

export function afterEach(fn, options) {
  return real.afterEach(reported("afterEach", fn), options);
}
