// The long-poll cap: `?wait=` holds a request at most `maxWaitMs` (30 s by default), then answers
// with the job's state at that deadline. Measured with a small cap, so that the test is quick.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveServerOptions } from "../../src/server/server_options.ts";
import { call, startServer } from "./server_helpers.ts";

const CAP_MS = 300;
/** A wait the cap must cut: the answer comes long before it. */
const ASKED_MS = 4000;

test("a ?wait= longer than maxWaitMs answers at the cap with the job still running", async () => {
  const s = await startServer({ maxWaitMs: CAP_MS });
  try {
    let t0 = performance.now();
    const submitted = await call(`${s.url}/jobs?wait=${ASKED_MS}`, {
      json: { task: "sleep", input: 60_000 },
    });
    let took = performance.now() - t0;
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    assert.ok(["queued", "running"].includes(submitted.body.status), submitted.body.status);
    // Timers may fire a millisecond early; the answer must not come much before the cap...
    assert.ok(took >= CAP_MS - 5, `answered after ${took} ms, before the ${CAP_MS} ms cap`);
    // ...nor anywhere near the wait asked for.
    assert.ok(took < ASKED_MS - 1000, `answered after ${took} ms: the cap did not cut the wait`);

    t0 = performance.now();
    const read = await call(`${s.url}/jobs/${submitted.body.id}?wait=${ASKED_MS}`);
    took = performance.now() - t0;
    assert.equal(read.status, 200);
    assert.equal(read.body.status, "running");
    assert.ok(took >= CAP_MS - 5, `GET answered after ${took} ms, before the cap`);
    assert.ok(
      took < ASKED_MS - 1000,
      `GET answered after ${took} ms: the cap did not cut the wait`,
    );
  } finally {
    await s.close();
  }
});

test("maxWaitMs defaults to 30,000 and is refused outside 0..30,000 with its name", () => {
  assert.equal(resolveServerOptions({}, 1).maxWaitMs, 30_000);
  assert.equal(resolveServerOptions({ maxWaitMs: 0 }, 1).maxWaitMs, 0);
  assert.throws(() => resolveServerOptions({ maxWaitMs: 30_001 }, 1), (e: Error) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /'maxWaitMs'.*30001/);
    return true;
  });
  assert.throws(() => resolveServerOptions({ maxWaitMs: 1.5 }, 1), TypeError);
});
