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

// Issue 17's script, exactly: no options at all (idleTimeoutMs 5000), four calls at once, never
// closed. It hung in some runs only (a dispatch turn scheduled by a worker becoming ready after
// the last result left the dispatch port open), so it runs several times, at once to stay fast.
const RUNS = 5;
test(
  `a pool created with no options and never closed exits by itself, in ${RUNS} runs of ${RUNS}`,
  {
    timeout: 60_000,
  },
  async () => {
    // Idle workers retire 5 s after the script prints its results: each run must exit within
    // 10 s of that (twice the idle timeout), and within 20 s of its start, which leaves room for
    // start-up on a loaded machine. A pool that keeps the process alive fails in about 12 s.
    const exits = await Promise.all(
      Array.from(
        { length: RUNS },
        () =>
          runScript("tests/fixtures/forgot_close_defaults.ts", [], {
            limitMs: 20_000,
            exitAfterOutputMs: 10_000,
          }),
      ),
    );
    const hung = exits.filter((e) => e.killed).length;
    assert.equal(
      hung,
      0,
      `${hung} of ${RUNS} runs did not exit within 10 s of their output (or 20 s of their start)`,
    );
    for (const exit of exits) {
      assert.equal(exit.code, 0, exit.stderr);
      assert.equal(exit.stdout, "done [1,2,3,4]");
    }
  },
);
