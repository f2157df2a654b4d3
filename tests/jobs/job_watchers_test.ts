import { test } from "node:test";
import assert from "node:assert/strict";
import { JobWatchers } from "../../src/jobs/job_watchers.ts";
import type { JobChange } from "../../src/jobs/job.ts";

const change = (rev: number): JobChange => ({
  job: { id: "j", task: "t", status: "running", attempts: 1, submittedAt: "" },
  rev,
  kind: "status",
});

test("JobWatchers tells one, then two, then one listener of a job, counts them, and forgets the job with its last", () => {
  const w = new JobWatchers();
  const seen: string[] = [];
  const stopA = w.watch("j", (c) => seen.push(`a${c.rev}`));
  w.notify("j", change(1));
  const stopB = w.watch("j", (c) => seen.push(`b${c.rev}`));
  w.watch("other", () => seen.push("other"));
  assert.equal(w.count, 3);
  w.notify("j", change(2));
  stopA();
  stopA(); // a second stop changes nothing
  assert.equal(w.count, 2);
  w.notify("j", change(3));
  assert.ok(w.has("j"));
  stopB();
  assert.equal(w.has("j"), false, "the job is forgotten with its last listener");
  assert.equal(w.count, 1);
  w.notify("j", change(4));
  assert.deepEqual(seen, ["a1", "a2", "b2", "b3"]);
});

test("JobWatchers lets a listener stop another during a notification: both were told", () => {
  const w = new JobWatchers();
  const seen: string[] = [];
  let stopB = () => {};
  w.watch("j", () => {
    seen.push("a");
    stopB();
  });
  stopB = w.watch("j", () => seen.push("b"));
  w.notify("j", change(1));
  assert.deepEqual(seen, ["a", "b"]);
  w.notify("j", change(2));
  assert.deepEqual(seen, ["a", "b", "a"]);
});
