// The README: an autotuned pool's controller samples only while it has work ("no timer while
// idle"), and after close() nothing keeps the process alive. tests/fixtures/idle_exit.ts runs an
// autotuned pool until its workers retire, closes it, and must then exit by itself; it runs as a
// child process on the runtime running this test, killed if it has not exited within 10 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runScript } from "../fixtures/run_script.ts";

test("a process with an autotuned pool exits by itself once its workers retired and it was closed", async () => {
  const exit = await runScript("tests/fixtures/idle_exit.ts", [], { limitMs: 10_000 });
  assert.equal(exit.killed, false, `the process did not exit within 10 s; stderr:\n${exit.stderr}`);
  assert.equal(exit.code, 0, `exit code ${exit.code}; stderr:\n${exit.stderr}`);
  assert.equal(exit.stdout, "24 tasks, 0 workers");
});
