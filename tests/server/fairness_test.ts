import { test } from "node:test";
import assert from "node:assert/strict";
import { call, startServer } from "./server_helpers.ts";

test("one key flooding 1,000 jobs cannot starve another: its 10 jobs finish before the flood's 500th", async () => {
  const s = await startServer({ maxQueue: 5000, keyConcurrency: 2, concurrency: 2 });
  try {
    const finished: string[] = [];
    s.pool.on("taskFinished", (t) => finished.push(t.name));
    const flood = await call(`${s.url}/jobs/batch`, {
      json: Array.from(
        { length: 1000 },
        (_, i) => ({ task: "echo", input: i, concurrencyKey: "A" }),
      ),
    });
    assert.equal(flood.status, 202);
    const second = await call(`${s.url}/jobs/batch`, {
      json: Array.from({ length: 10 }, (_, i) => ({ task: "mark", input: i, concurrencyKey: "B" })),
    });
    assert.equal(second.status, 202);
    for (const j of second.body) {
      assert.equal((await call(`${s.url}${j.statusUrl}?wait=30000`)).body.status, "succeeded");
    }
    const lastB = finished.lastIndexOf("mark");
    const floodBefore = finished.slice(0, lastB).filter((n) => n === "echo").length;
    assert.equal(finished.filter((n) => n === "mark").length, 10);
    assert.ok(floodBefore < 500, `${floodBefore} flood jobs finished before the last of key B`);
    // And the flood itself still completes.
    const lastA = flood.body.at(-1);
    assert.equal((await call(`${s.url}${lastA.statusUrl}?wait=30000`)).body.status, "succeeded");
  } finally {
    await s.close();
  }
});
