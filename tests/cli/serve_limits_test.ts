// The connection-limit flags of `workloom serve`: read and checked, and in force on a real server
// started from the command line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { limitSettings } from "../../src/cli/serve_limits.ts";
import { readServeSettings, SERVE_USAGE } from "../../src/cli/serve_settings.ts";
import { startServe } from "../fixtures/serve_process.ts";

test("the connection-limit flags become createServer options, and a bad value names its flag", () => {
  assert.deepEqual(
    limitSettings({
      "max-streams": "20",
      "max-streams-per-client": "3",
      "stream-stall": "2s",
      "body-timeout": "500ms",
      "max-wait": "10s",
    }),
    {
      maxStreams: 20,
      maxStreamsPerClient: 3,
      streamStallMs: 2000,
      bodyTimeoutMs: 500,
      maxWaitMs: 10_000,
    },
  );
  assert.deepEqual(limitSettings({}), {});
  assert.throws(() => limitSettings({ "max-streams": "0" }), /--max-streams .*"0"/);
  assert.throws(() => limitSettings({ "body-timeout": "soon" }), /--body-timeout .*"soon"/);
  assert.throws(() => limitSettings({ "max-wait": "1m" }), /--max-wait .*at most 30000 ms/);
  const s = readServeSettings(["--tasks", "t.ts", "--max-streams", "7"], () => undefined);
  assert.ok(s !== "help" && s.limits.maxStreams === 7);
  for (const flag of ["--max-streams", "--max-streams-per-client", "--stream-stall"]) {
    assert.ok(SERVE_USAGE.includes(flag), flag);
  }
  for (const flag of ["--body-timeout", "--max-wait"]) assert.ok(SERVE_USAGE.includes(flag), flag);
});

test("serve --max-streams 1 answers a second event stream 429 too_many_streams", async () => {
  const serve = await startServe(["--max-streams", "1", "--isolation", "thread"]);
  const held = new AbortController();
  try {
    const job = await fetch(`${serve.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ task: "sleep", input: 5000 }),
    }).then((r) => r.json());
    const first = await fetch(`${serve.url}/jobs/${job.id}/events`, { signal: held.signal });
    assert.equal(first.status, 200);
    const second = await fetch(`${serve.url}/jobs/${job.id}/events`);
    assert.equal(second.status, 429);
    assert.equal((await second.json()).error.code, "too_many_streams");
    held.abort();
    await first.body?.cancel().catch(() => {});
  } finally {
    await serve.kill();
  }
});
