import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient, type JobClient, type JobEvent, JobServerError } from "../../client.ts";
import { type ServerTasks, startServer } from "../server/server_helpers.ts";

test("the typed client submits, reads, waits for and cancels jobs", async () => {
  const s = await startServer({ token: "tok", concurrency: 1 });
  try {
    const client = createClient<ServerTasks>(s.url, { token: "tok" });
    const job = await client.submit("echo", { n: 1 }, { priority: 1, idempotencyKey: "c1" });
    assert.equal(job.statusUrl, `/jobs/${job.id}`);
    const done = await client.wait(job.id);
    assert.equal(done.status, "succeeded");
    assert.deepEqual(done.result, { n: 1 });
    assert.equal((await client.get(job.id)).id, job.id);
    const replay = await client.submit("echo", { n: 1 }, { priority: 1, idempotencyKey: "c1" });
    assert.equal(replay.idempotent, true);
    const long = await client.submit("sleep", 60_000);
    const early = await client.wait(long.id, { timeoutMs: 30 });
    assert.ok(
      ["queued", "running"].includes(early.status),
      "wait() gives the state at its deadline",
    );
    assert.equal((await client.cancel(long.id)).status, "cancelled");
    const again = await client.cancel(long.id).catch((e) => e);
    assert.ok(again instanceof JobServerError);
    assert.equal(again.status, 409);
    assert.equal(again.code, "job_final");
  } finally {
    await s.close();
  }
});

test("the client throws JobServerError with the server's status and code", async () => {
  const s = await startServer({ token: "tok" });
  try {
    const anonymous = createClient<ServerTasks>(s.url);
    const e401 = await anonymous.get("x").catch((e) => e);
    assert.ok(e401 instanceof JobServerError);
    assert.equal(e401.status, 401);
    const client = createClient(s.url, { token: "tok" });
    const e404 = await client.submit("nope", 1).catch((e) => e);
    assert.equal(e404.status, 404);
    assert.equal(e404.code, "unknown_task");
    const e404job = await client.get("missing").catch((e) => e);
    assert.equal(e404job.code, "job_not_found");
  } finally {
    await s.close();
  }
});

test("client.events() iterates a job's events to its final state and resumes from an id", async () => {
  const s = await startServer();
  try {
    const client = createClient<ServerTasks>(s.url);
    const job = await client.submit("progress", { steps: 3, ms: 5 });
    const events: JobEvent[] = [];
    for await (const e of client.events(job.id)) events.push(e);
    assert.equal(events.at(-1)!.job.status, "succeeded");
    assert.deepEqual(
      events.filter((e) => e.event === "progress").map((e) => e.job.progress),
      [1, 2, 3],
    );
    const resumed: JobEvent[] = [];
    for await (const e of client.events(job.id, { lastEventId: events[1].id })) resumed.push(e);
    // A resumed stream starts from the job's state now (intermediate events are not replayed)
    // and never repeats an event the client has seen.
    assert.ok(resumed.length >= 1);
    assert.ok(resumed.every((e) => Number(e.id) > Number(events[1].id)));
    assert.equal(resumed.at(-1)!.id, events.at(-1)!.id);
    assert.equal(resumed.at(-1)!.job.status, "succeeded");
    const long = await client.submit("sleep", 60_000);
    for await (const e of client.events(long.id)) {
      assert.equal(e.job.id, long.id);
      break;
    }
    // Breaking out closes the connection; the server lets the stream go.
    while (s.server.openStreams > 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(s.server.openStreams, 0);
  } finally {
    await s.close();
  }
});

// Never called: `deno check` and `tsc` (in npm test) fail if these lines stop being errors.
export function compileTimeChecks(client: JobClient<ServerTasks>): void {
  // @ts-expect-error: no task is named "ecko"
  void client.submit("ecko", 1);
  // @ts-expect-error: sleep takes a number of milliseconds
  void client.submit("sleep", "long");
  // @ts-expect-error: notATask is not a function
  void client.submit("notATask", 1);
}
