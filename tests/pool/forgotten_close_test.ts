// A script that forgets close() must still exit by itself once its pool is idle, as piscina's
// equivalent does: idle workers retire after idleTimeoutMs (minWorkers defaults to 0), Bun's idle
// workers are unref'd, and the pool holds no port or timer while idle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runScript } from "../fixtures/run_script.ts";

for (const mode of ["autotuned", "fixed"]) {
  test(`a process whose ${mode} pool was never closed exits by itself once the pool is idle`, {
    timeout: 30_000,
  }, async () => {
    const exit = await runScript("tests/fixtures/forgot_close.ts", [mode], { limitMs: 15_000 });
    assert.equal(exit.killed, false, `the process did not exit; stderr:\n${exit.stderr}`);
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stdout, "3 40 20");
  });
}
