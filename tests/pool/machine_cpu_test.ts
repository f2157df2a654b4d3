// metrics().pool.cpu is the machine's CPU utilisation where the machine lets us read it (the
// cgroup's CPU time or /proc/stat here), so reports show it and the "CPU > 90 %" rule can fire.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, formatReport, runtime } from "../../mod.ts";

type Tasks = typeof import("../fixtures/tasks.ts");
const readable = runtime.readTextFile("/proc/stat").ok;

test("metrics().pool.cpu is a utilisation between 0 and 1 where /proc/stat is readable, and the report shows it", async () => {
  const pool = createPool<Tasks>(new URL("../fixtures/tasks.ts", import.meta.url), {
    maxWorkers: 2,
  });
  try {
    await Promise.all(Array.from({ length: 20 }, () => pool.run("spin", 5)));
    const first = pool.metrics().pool.cpu;
    const second = pool.metrics().pool.cpu; // too soon to measure: the last reading stands
    if (!readable) {
      assert.equal(first, null);
      return;
    }
    assert.equal(typeof first, "number");
    assert.ok(first! > 0 && first! <= 1, `cpu ${first}`);
    assert.equal(typeof second, "number");
    assert.doesNotMatch(formatReport(pool.metrics()), /machine CPU\s+-/);
  } finally {
    await pool.close();
  }
});
