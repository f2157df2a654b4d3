// Shutdown when the drain itself hangs: a real `workloom serve` on a Redis that stopped
// answering (SIGSTOP), with a task spinning in its worker. The process must still be gone within
// --drain-timeout plus the grace, and take its task processes with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { alive, until, within } from "../fixtures/pool_helpers.ts";
import { startRedisProcess } from "../fixtures/redis_process.ts";
import { startServe, treePids } from "../fixtures/serve_process.ts";
import { call } from "../server/server_helpers.ts";

test("SIGTERM with Redis paused and a task spinning: gone within drain + grace, no task process left", async () => {
  const redis = await startRedisProcess();
  const serve = await startServe([
    "--queue",
    `redis://127.0.0.1:${redis.port}`,
    "--drain-timeout",
    "1s",
  ]);
  let pids: number[] = [];
  try {
    const sent = await call(`${serve.url}/jobs`, { json: { task: "spin", timeoutMs: 600_000 } });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    await within(
      (async () => {
        while ((await call(`${serve.url}/jobs/${sent.body.id}`)).body.status !== "running");
      })(),
      20_000,
      "the spinning job starting",
    );
    pids = treePids(serve.pid);
    process.kill(redis.pid, "SIGSTOP");
    const at = performance.now();
    process.kill(serve.pid, "SIGTERM");
    await within(serve.exited, 6000, "the server exiting after SIGTERM");
    assert.ok(performance.now() - at < 6000);
    // Killed processes take a moment to be reaped: wait for it, bounded.
    await until(() => pids.every((p) => !alive(p)), `task processes ending (${pids})`, 3000);
  } finally {
    for (const p of pids) if (alive(p)) process.kill(p, "SIGKILL");
    await serve.kill();
    await redis.kill();
  }
});
