import { test } from "node:test";
import assert from "node:assert/strict";
import { decideIdempotency, fingerprint } from "../../src/jobs/idempotency.ts";
import type { JobStatus } from "../../src/jobs/job.ts";

test("decideIdempotency replays the same body, refuses a different one, and frees failed keys", () => {
  const table: [JobStatus | undefined, string, string][] = [
    [undefined, "a", "create"],
    ["queued", "a", "replay"],
    ["running", "a", "replay"],
    ["delayed", "b", "conflict"],
    ["succeeded", "a", "replay"],
    ["succeeded", "b", "conflict"],
    ["failed", "a", "create"],
    ["cancelled", "b", "create"],
  ];
  for (const [status, body, expected] of table) {
    const existing = status && { fingerprint: "a", status };
    assert.equal(decideIdempotency(existing, body), expected, `${status} with body ${body}`);
  }
});

test("fingerprint ignores key order and undefined fields but not values", () => {
  assert.equal(fingerprint({ a: 1, b: { c: [1, 2] } }), fingerprint({ b: { c: [1, 2] }, a: 1 }));
  assert.equal(fingerprint({ a: 1, z: undefined }), fingerprint({ a: 1 }));
  assert.notEqual(fingerprint({ a: [1, 2] }), fingerprint({ a: [2, 1] }));
  assert.notEqual(fingerprint({ a: "1" }), fingerprint({ a: 1 }));
  assert.equal(fingerprint(undefined), fingerprint(null));
});

test("fingerprint is a 43-character SHA-256, not the request's text, and walks any depth without recursion", () => {
  const big = { task: "echo", input: "x".repeat(1 << 20) };
  assert.match(fingerprint(big), /^[\w-]{43}$/);
  // The canonical text of {"a":1} hashed: pins that the walk feeds the hash the exact text.
  assert.equal(fingerprint({ a: 1 }), "AVq9f1zFei3ZS3WQ8ErYCEJzkF7jPsXOvq5iJ2qX-GI");
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.match(fingerprint({ task: "echo", input: deep }), /^[\w-]{43}$/);
});
