// A streamed job's chunks in the in-memory store (src/jobs/job_chunks.ts through JobStore): each
// takes the next revision as its id, the replay window is bounded in bytes (oldest dropped
// first, and a resume from before it learns the ids it missed), chunks count in the store's
// bytes, and they are let go a set time after the job ends, and with the job when it expires.
import { test } from "node:test";
import assert from "node:assert/strict";
import { JobStore } from "../../src/jobs/job_store.ts";
import { JobChunks } from "../../src/jobs/job_chunks.ts";
import type { JobChange } from "../../src/jobs/job.ts";

function running(store: JobStore): string {
  const { record } = store.insert({ task: "tokens", input: 1 }, { fingerprint: "x" });
  store.update(record.job.id, { status: "running" });
  return record.job.id;
}

test("a chunk takes the next revision as its id, reaches the job's listeners, and counts in the store's bytes", () => {
  const store = new JobStore();
  const id = running(store);
  const before = store.bytes;
  const rev = (store.lookup(id) as { rev: number }).rev;
  const heard: JobChange[] = [];
  const stop = store.watch(id, (c) => heard.push(c));
  assert.equal(store.appendChunk(id, '"a"'), true);
  assert.equal(store.appendChunk(id, '"bb"'), true);
  stop();
  assert.deepEqual(heard.map((c) => [c.kind, c.rev, c.chunk]), [
    ["chunk", rev + 1, '"a"'],
    ["chunk", rev + 2, '"bb"'],
  ]);
  assert.equal(store.bytes, before + 3 + 4);
  assert.deepEqual(store.chunksSince(id, rev + 1), { chunks: [{ id: rev + 2, data: '"bb"' }] });
  // A job that is not running takes no chunk.
  store.update(id, { status: "succeeded", result: 1 });
  assert.equal(store.appendChunk(id, '"late"'), false);
  assert.equal(store.appendChunk("nope", '"x"'), false);
});

test("the replay window drops the oldest chunks past its bytes, and a resume from before it gets a gap", () => {
  const store = new JobStore({ chunks: { windowBytes: 6 } });
  const id = running(store);
  const empty = store.bytes;
  const base = (store.lookup(id) as { rev: number }).rev;
  for (const c of ["1", "2", "3", "4", "5"]) store.appendChunk(id, `"${c}"`); // 3 bytes each
  const kept = [{ id: base + 4, data: '"4"' }, { id: base + 5, data: '"5"' }];
  assert.deepEqual(store.chunksSince(id, base + 3), { chunks: kept }, "inside the window");
  assert.deepEqual(store.chunksSince(id, base + 1), {
    chunks: kept,
    gap: { after: base + 1, until: base + 3, dropped: 3 },
  });
  assert.deepEqual(store.chunksSince(id, 0).gap, { after: 0, until: base + 3, dropped: 3 });
  assert.equal(store.bytes - empty, 6, "the store holds the window's bytes, not the dropped ones");
});

test("chunks are kept keepMs after the job ends, then dropped (a late resume gets a gap), and go with the job", () => {
  let now = 1_000;
  const store = new JobStore({ chunks: { keepMs: 500 }, ttlMs: 10_000, now: () => now });
  const id = running(store);
  const empty = store.bytes;
  store.appendChunk(id, '"x"');
  store.update(id, { status: "succeeded", result: null });
  const withChunk = store.bytes;
  assert.equal(withChunk - empty > 0, true);
  now += 499;
  store.sweep();
  assert.equal(store.chunksSince(id, 0).chunks.length, 1, "kept until keepMs passed");
  now += 1;
  store.sweep();
  const late = store.chunksSince(id, 0);
  assert.deepEqual(late.chunks, []);
  assert.equal(late.gap?.dropped, 1);
  assert.equal(store.bytes, withChunk - 3, "their bytes are let go");
  // A second job's chunks go with it when it expires.
  const other = running(store);
  store.appendChunk(other, '"y"');
  const held = store.bytes;
  store.update(other, { status: "failed", error: { name: "E", message: "m" } });
  now += 10_001;
  store.sweep();
  assert.equal(store.lookup(other).state, "expired");
  assert.equal(store.bytes < held - 2, true);
});

test("the window's options are validated with their names", () => {
  assert.throws(
    () => new JobChunks({ windowBytes: 0 }),
    /'chunkWindowBytes' must be a positive integer/,
  );
  assert.throws(() => new JobChunks({ keepMs: -1 }), /'chunkKeepMs' must be an integer >= 0/);
});
