import { test } from "node:test";
import assert from "node:assert/strict";
import { ChangeFeed } from "../../src/server/change_feed.ts";
import type { JobChange } from "../../src/jobs/job_store.ts";

const change = (rev: number, kind: JobChange["kind"], status = "running"): JobChange =>
  ({ job: { id: "a", status }, rev, kind }) as unknown as JobChange;

test("ChangeFeed keeps only the latest of progress changes not yet sent", () => {
  const feed = new ChangeFeed(4);
  feed.push(change(1, "status"));
  for (let rev = 2; rev <= 1000; rev++) feed.push(change(rev, "progress"));
  feed.push(change(1001, "status", "succeeded"));
  assert.deepEqual([feed.shift()?.rev, feed.shift()?.rev, feed.shift()?.rev], [1, 1000, 1001]);
  assert.equal(feed.size, 0);
  assert.equal(feed.lagging, false);
});

test("ChangeFeed drops everything and says lagging past maxPending changes", () => {
  const feed = new ChangeFeed(3);
  for (let rev = 1; rev <= 3; rev++) feed.push(change(rev, "status"));
  assert.equal(feed.lagging, false);
  feed.push(change(4, "status"));
  assert.equal(feed.lagging, true);
  assert.equal(feed.size, 0, "nothing is held for a client that fell behind");
  feed.push(change(5, "status"));
  assert.equal(feed.size, 0);
});

test("ChangeFeed.wait resolves on a change, or quiet after its time, and keeps no timer", async () => {
  const feed = new ChangeFeed(3);
  const woken = feed.wait(60_000);
  feed.push(change(1, "status"));
  assert.equal(await woken, false);
  assert.equal(await feed.wait(60_000), false, "a change already waiting resolves at once");
  feed.shift();
  assert.equal(await feed.wait(5), true);
});
