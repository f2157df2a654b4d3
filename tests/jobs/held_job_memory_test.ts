// What a held job costs (issue 28): 100,000 finished tiny jobs (input and result one number) held
// in a JobStore, as the runner leaves them, grow the heap by at most 1 KB each, and once they
// expire and their tombstones are forgotten the heap is back within 10 % of where it was. Read
// in a child process with the GC exposed, after forced full collections: bytes, not time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";

const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

interface Probe {
  count: number;
  held: number;
  bytesPerJob: number;
  expired: number;
  bytesPerTombstone: number;
  forgotten: number;
  before: number;
  after: number;
}

function probe(count: number): Promise<Probe> {
  const script = "tests/fixtures/held_jobs_probe.ts";
  const args = isDeno
    ? ["run", "-A", "--v8-flags=--expose-gc", script, String(count)]
    : [script, String(count)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, maxBuffer: 1 << 20 }, (error, out, err) => {
      if (error) return reject(new Error(`${error.message}\n${err}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)!));
    });
  });
}

test("a held tiny job costs at most 1 KB of heap, a tombstone at most 200 bytes, and the heap comes back after expiry", async () => {
  const p = await probe(100_000);
  assert.equal(p.held, 100_000, "every job held until the sweep");
  assert.ok(p.bytesPerJob <= 1024, `a held job took ${p.bytesPerJob.toFixed(0)} bytes of heap`);
  assert.equal(p.expired, 100_000);
  assert.ok(
    p.bytesPerTombstone <= 200,
    `a tombstone took ${p.bytesPerTombstone.toFixed(0)} bytes of heap`,
  );
  assert.equal(p.forgotten, 100_000);
  assert.ok(
    p.after <= p.before * 1.1,
    `the heap was ${p.before} bytes before the jobs and ${p.after} after they were forgotten`,
  );
});
