// The cap on stage names in the metrics, on a real server: stage names come from clients, and
// 30,000 of them must not grow what the pool keeps or what /metrics sends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { within } from "../fixtures/pool_helpers.ts";
import { call, startServer } from "./server_helpers.ts";

test("30,000 distinct stage names keep the metrics small: past the cap they fold into 'other'", async () => {
  // One tenant on purpose: the quotas per key and per client are lifted to the whole store.
  const s = await startServer({
    maxQueue: 30_000,
    maxJobs: 30_000,
    maxQueuePerKey: 30_000,
    maxQueuePerClient: 30_000,
  });
  try {
    const before = (await call(`${s.url}/metrics`)).body.length;
    const finished = (n: number) =>
      within(
        (async () => {
          while ((s.server.runner.totals?.().succeeded ?? 0) < n) {
            await new Promise((r) => setTimeout(r, 50));
          }
        })(),
        60_000,
        `${n} jobs finishing`,
      );
    for (let b = 0; b < 30; b++) {
      const jobs = Array.from({ length: 1000 }, (_, i) => ({
        task: "echo",
        input: i,
        stage: `stage-${b}-${i}`,
      }));
      assert.equal((await call(`${s.url}/jobs/batch`, { json: jobs })).status, 202);
      if (b > 0) continue;
      // The cap already holds after the first 1,000 names: checked here as well, so that a
      // pool without it fails at once rather than after recording 30,000 stages.
      await finished(1000);
      const early = s.pool.metrics().stages.length;
      assert.ok(early <= 101, `${early} stages kept after 1,000 names`);
    }
    await finished(30_000);
    const stages = s.pool.metrics().stages;
    assert.ok(stages.length <= 101, `${stages.length} stages kept`);
    const other = stages.find((x) => x.stage === "other");
    assert.ok(other && other.tasks >= 29_900, "the rest are counted under 'other'");
    const after = (await call(`${s.url}/metrics`)).body.length;
    assert.ok(after < before + 20_000, `/metrics grew from ${before} to ${after} bytes`);
  } finally {
    await s.close();
  }
});
