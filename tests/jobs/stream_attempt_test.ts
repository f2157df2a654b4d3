// A streamed job's chunks are checked one by one before a store keeps them (both stores call
// chunkText): one that JSON cannot carry, or whose text is past the maximum result, fails the job
// and leaves the loop, which cancels the task; the chunks before it are kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkText, streamAttempt } from "../../src/jobs/stream_attempt.ts";
import type { RunnerPool } from "../../src/jobs/job_backend.ts";

/** A pool whose stream yields `chunks` and records whether the consumer left it early. */
function streamingPool(chunks: unknown[]): { pool: RunnerPool; left: () => boolean } {
  let left = false;
  const pool: RunnerPool = {
    run: () => Promise.resolve(),
    whenRoom: () => Promise.resolve(),
    stream: () => {
      async function* gen() {
        try {
          for (const c of chunks) yield c;
        } finally {
          left = true;
        }
      }
      return Object.assign(gen(), { result: Promise.resolve("done") });
    },
  };
  return { pool, left: () => left };
}

test("a chunk longer than the maximum result fails the attempt after the chunks before it, and leaves the stream", async () => {
  const kept: string[] = [];
  const store = { appendChunk: (_id: string, data: string) => (kept.push(data), true) };
  const { pool, left } = streamingPool(["a", "b".repeat(50), "c"]);
  await assert.rejects(
    streamAttempt(pool, store, "j1", "t", null, {}, 20),
    (e: Error) => e instanceof RangeError && /job 'j1'.*52 characters.*20/.test(e.message),
  );
  assert.deepEqual(kept, ['"a"'], "the chunk before the long one is kept, nothing after");
  assert.ok(left(), "the generator was left, which cancels the task");
});

test("a chunk JSON cannot carry is refused naming the job; a fitting one is its JSON text", () => {
  assert.throws(() => chunkText("j2", 1n, 100), /job 'j2' as JSON cannot carry it/);
  assert.equal(chunkText("j2", { n: 1 }, 100), '{"n":1}');
  assert.equal(chunkText("j2", "x".repeat(8), 10), '"xxxxxxxx"');
});
