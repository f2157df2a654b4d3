// A process that used a pool must exit by itself once the pool is closed: no worker, timer or
// port may keep it alive. Each case runs tests/fixtures/exit_after_close.ts as a child process
// on the runtime running this test, and kills it if it has not exited within 10 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

const root = new URL("../..", import.meta.url);
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const script = "tests/fixtures/exit_after_close.ts";
// --no-check: type-checking the script and each worker would cost seconds of the 10 s budget.
const command = isDeno
  ? [new URL("node_modules/.bin/deno", root).pathname, "run", "-A", "--no-check", script]
  : [new URL("node_modules/.bin/bun", root).pathname, script];

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  killed: boolean;
}

function runScript(mode: string, limitMs = 10_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), mode], {
      cwd: root.pathname,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...(globalThis as unknown as { process: { env: Record<string, string> } }).process.env,
        NO_COLOR: "1",
      },
    });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (chunk) => stdout += chunk);
    child.stderr.on("data", (chunk) => stderr += chunk);
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: stdout.trim(), stderr, killed });
    });
  });
}

function assertExitedCleanly(exit: Exit): void {
  assert.equal(exit.killed, false, `the process did not exit within 10 s; stderr:\n${exit.stderr}`);
  assert.equal(exit.code, 0, `exit code ${exit.code}; stderr:\n${exit.stderr}`);
}

test("a process exits by itself after close(), even when some of its tasks failed or timed out", async () => {
  const exit = await runScript("close");
  assertExitedCleanly(exit);
  assert.equal(exit.stdout, "ok ok RangeError TimeoutError TimeoutError TimeoutError");
});

test("a process exits by itself after closeNow() while a task is running", async () => {
  // A cooperative loop (it checks shouldStop()) must let the process end on every runtime.
  // A task ignoring cancellation is checked on Bun only: Bun stops a spinning worker at once,
  // while Deno's worker.terminate() leaves the thread spinning and the process waits for it;
  // the README points Deno users to cooperative cancellation and the process profile.
  const modes = isDeno ? ["closeNow-loop"] : ["closeNow-loop", "closeNow-runaway"];
  for (const mode of modes) {
    const exit = await runScript(mode);
    assertExitedCleanly(exit);
    assert.equal(exit.stdout, "PoolClosedError", mode);
  }
});
