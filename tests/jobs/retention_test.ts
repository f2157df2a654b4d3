import { test } from "node:test";
import assert from "node:assert/strict";
import { retentionAction, retryAfterSeconds } from "../../src/jobs/retention.ts";

test("retentionAction keeps unfinished jobs, expires finished ones after the TTL, then forgets", () => {
  const ttl = 1000;
  const table: [{ finishedAt?: number; expiredAt?: number }, number, string][] = [
    [{}, 1e12, "keep"],
    [{ finishedAt: 0 }, 999, "keep"],
    [{ finishedAt: 0 }, 1000, "expire"],
    [{ expiredAt: 1000 }, 1999, "keep"],
    [{ expiredAt: 1000 }, 2000, "forget"],
  ];
  for (const [record, now, expected] of table) {
    assert.equal(retentionAction(record, now, ttl), expected, JSON.stringify({ record, now }));
  }
});

test("retryAfterSeconds rounds up and never says less than one second", () => {
  assert.deepEqual([-5, 0, 1, 1000, 1001, 60_000].map(retryAfterSeconds), [1, 1, 1, 1, 2, 60]);
});
