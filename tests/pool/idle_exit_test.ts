// The README: an autotuned pool's controller samples only while it has work ("no timer while
// idle"), and after close() nothing keeps the process alive. tests/fixtures/idle_exit.ts runs an
// autotuned pool until its workers retire, closes it, and must then exit by itself; it runs as a
// child process on the runtime running this test, killed if it has not exited within 10 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";

const root = new URL("../..", import.meta.url);
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const script = "tests/fixtures/idle_exit.ts";
// --no-check: type-checking the script and each worker would cost seconds of the 10 s budget.
const command = isDeno
  ? [new URL("node_modules/.bin/deno", root).pathname, "run", "-A", "--no-check", script]
  : [new URL("node_modules/.bin/bun", root).pathname, script];
const env = (globalThis as unknown as { process: { env: Record<string, string> } }).process.env;

function runScript(limitMs = 10_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }>(
    (resolve, reject) => {
      const child = spawn(command[0], command.slice(1), {
        cwd: root.pathname,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...env, NO_COLOR: "1" },
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
    },
  );
}

test("a process with an autotuned pool exits by itself once its workers retired and it was closed", async () => {
  const exit = await runScript();
  assert.equal(exit.killed, false, `the process did not exit within 10 s; stderr:\n${exit.stderr}`);
  assert.equal(exit.code, 0, `exit code ${exit.code}; stderr:\n${exit.stderr}`);
  assert.equal(exit.stdout, "24 tasks, 0 workers");
});
