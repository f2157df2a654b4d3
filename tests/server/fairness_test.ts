import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, startServer } from "./server_helpers.ts";

test("one key flooding 1,000 jobs cannot starve another: its 10 jobs finish before the flood's 500th", async () => {
  const s = await startServer({ maxQueue: 5000, keyConcurrency: 2, concurrency: 2 });
  // The flood's jobs wait on a gate file the test creates once key B's jobs are queued too: on
  // a loaded machine the flood could otherwise pass 500 before key B's request even arrived,
  // and the test would measure the machine rather than the scheduler.
  const dir = mkdtempSync(join(tmpdir(), "workloom-fairness-"));
  const gate = join(dir, "open");
  try {
    const finished: string[] = [];
    s.pool.on("taskFinished", (t) => finished.push(t.name));
    const flood = await call(`${s.url}/jobs/batch`, {
      json: Array.from(
        { length: 1000 },
        (_, i) => ({ task: "gated", input: { gate, value: i }, concurrencyKey: "A" }),
      ),
    });
    assert.equal(flood.status, 202);
    const second = await call(`${s.url}/jobs/batch`, {
      json: Array.from({ length: 10 }, (_, i) => ({ task: "mark", input: i, concurrencyKey: "B" })),
    });
    assert.equal(second.status, 202);
    assert.equal(finished.length, 0, "nothing ran before the gate opened");
    writeFileSync(gate, "");
    for (const j of second.body) {
      assert.equal((await call(`${s.url}${j.statusUrl}?wait=30000`)).body.status, "succeeded");
    }
    const lastB = finished.lastIndexOf("mark");
    const floodBefore = finished.slice(0, lastB).filter((n) => n === "gated").length;
    assert.equal(finished.filter((n) => n === "mark").length, 10);
    assert.ok(floodBefore < 500, `${floodBefore} flood jobs finished before the last of key B`);
    // And the flood itself still completes.
    const lastA = flood.body.at(-1);
    assert.equal((await call(`${s.url}${lastA.statusUrl}?wait=30000`)).body.status, "succeeded");
  } finally {
    writeFileSync(gate, "");
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
