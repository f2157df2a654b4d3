// A job that times out frees its CPU, and SIGTERM ends the process in bounded time, whatever the
// task does: a real `workloom serve` process running a task that spins for ever, measured by
// the CPU time of its process tree in /proc and by when it is gone.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { within } from "../fixtures/pool_helpers.ts";
import { isDeno, pause, startServe, treeCpuMs } from "../fixtures/serve_process.ts";
import { call } from "../server/server_helpers.ts";

/** Submits the spinning task and resolves once it runs. */
async function startSpin(url: string, timeoutMs?: number): Promise<string> {
  const submitted = await call(`${url}/jobs`, { json: { task: "spin", timeoutMs } });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const id = submitted.body.id;
  await within(
    (async () => {
      while ((await call(`${url}/jobs/${id}`)).body.status !== "running");
    })(),
    20_000,
    "the spinning job starting",
  );
  return id;
}

test("a job that times out frees its CPU within about a second, under serve's default isolation", async () => {
  // The job names no timeout: --job-timeout gives it one.
  const serve = await startServe(["--job-timeout", "1500ms", "--max-job-timeout", "1m"]);
  try {
    const over = await call(`${serve.url}/jobs`, { json: { task: "echo", timeoutMs: 60_001 } });
    assert.equal(over.status, 400);
    assert.equal(over.body.error.code, "job_timeout_over_limit");
    const id = await startSpin(serve.url);
    // The task really spins: the tree burns CPU while it runs.
    const a = treeCpuMs(serve.pid);
    await pause(600);
    assert.ok(treeCpuMs(serve.pid) - a >= 60, "the spinning task burns CPU while it runs");
    const final = await call(`${serve.url}/jobs/${id}?wait=20000`);
    assert.equal(final.body.status, "failed");
    assert.equal(final.body.error.name, "TimeoutError");
    // About a second to stop it (the pool's cancel grace, then a kill), then a window in which
    // a core still spinning would show as hundreds of ms.
    await pause(1000);
    const before = treeCpuMs(serve.pid);
    await pause(1500);
    const burnt = treeCpuMs(serve.pid) - before;
    assert.ok(burnt < 250, `the tree used ${burnt} ms of CPU in 1.5 s after the timeout`);
    // The server still answers, and runs the next job.
    const next = await call(`${serve.url}/jobs?wait=20000`, { json: { task: "echo", input: 7 } });
    assert.equal(next.body.result, 7);
  } finally {
    await serve.kill();
  }
});

test("SIGTERM ends the process within --drain-timeout plus the grace, a spinning task running", async () => {
  // On Deno the thread profile is the hard case: its spinning worker cannot be terminated, and
  // only the process's own exit ends it.
  const serve = await startServe(["--drain-timeout", "1s", "--isolation", "thread"]);
  try {
    if (isDeno) assert.match(serve.stderr(), /warning: --isolation thread on Deno/);
    else assert.doesNotMatch(serve.stderr(), /warning/);
    await startSpin(serve.url, 60_000);
    const sent = performance.now();
    process.kill(serve.pid, "SIGTERM");
    // 1 s of drain and 2 s of grace, plus slack for a loaded machine.
    await within(serve.exited, 6000, "the server exiting after SIGTERM");
    const tookMs = performance.now() - sent;
    assert.ok(tookMs < 6000, `gone ${Math.round(tookMs)} ms after SIGTERM`);
    assert.match(serve.stdout(), /draining \(up to 1000 ms\)/);
  } finally {
    await serve.kill();
  }
});
