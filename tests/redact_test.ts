import { test } from "node:test";
import assert from "node:assert/strict";
import { redactUrl, scrubber, urlSecrets } from "../src/redact.ts";

test("redactUrl masks the password of a URL and leaves everything else as typed", () => {
  assert.equal(redactUrl("redis://:pw@127.0.0.1:6379"), "redis://:***@127.0.0.1:6379");
  assert.equal(redactUrl("redis://user:pw@h:1/2"), "redis://user:***@h:1/2");
  assert.equal(redactUrl("rediss://u:p%40ss@h"), "rediss://u:***@h");
  assert.equal(redactUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  assert.equal(redactUrl("redis://user@h"), "redis://user@h");
});

test("urlSecrets gives the password as typed and decoded; scrubber masks them, longest first", () => {
  assert.deepEqual(urlSecrets("redis://:p%40ssword@h"), ["p%40ssword", "p@ssword"]);
  assert.deepEqual(urlSecrets("redis://user:secret@h"), ["secret"]);
  assert.deepEqual(urlSecrets("redis://h:6379"), []);
  const scrub = scrubber(["secret", "secret-longer", undefined, "ab"]);
  assert.equal(scrub("a secret-longer and a secret"), "a *** and a ***");
  assert.equal(scrub("ab stays: too short to mask"), "ab stays: too short to mask");
  assert.equal(scrubber([])("as is"), "as is");
});
