// JSON nested too deep is refused from the body's text, before a parser, the validator or the
// idempotency fingerprint walks it (a body of 200,000 '[' under the 1 MB limit answered 500).
import { test } from "node:test";
import assert from "node:assert/strict";
import { call, startServer } from "./server_helpers.ts";

test("JSON nested deeper than 66 levels is a 400 json_too_deep before anything parses it", async () => {
  const s = await startServer();
  try {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const bodies: [string, string][] = [
      ["/jobs", `{"task":"echo","input":${deep}}`],
      ["/jobs/batch", `[{"task":"echo","input":${deep}}]`],
      // Never closed: the scan stops at the 67th level.
      ["/jobs", `{"task":"echo","input":${"[".repeat(900_000)}`],
      ["/jobs", deep],
    ];
    for (const [path, body] of bodies) {
      const r = await call(`${s.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": "k" },
        body,
      });
      assert.equal(r.status, 400, `${path} ${body.slice(0, 40)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "json_too_deep");
      assert.match(r.body.error.message, /66 levels/);
    }
    // Brackets inside strings do not count, and an input 64 levels deep inside a batch (66 in
    // all) is taken.
    let input: unknown =
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[";
    for (let i = 1; i < 64; i++) input = [input];
    const ok = await call(`${s.url}/jobs/batch`, { json: [{ task: "echo", input }] });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  } finally {
    await s.close();
  }
});
