// The seed's hybrid setup: one application routes task names to a process pool (isolation for
// risky work) or a Web Worker pool (fast, shared memory), by name, with the same call site.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createPool, WorkerCrashedError } from "../../mod.ts";
import { rejection, until } from "../fixtures/pool_helpers.ts";

type Tasks = typeof import("../fixtures/process_tasks.ts");
const url = new URL("../fixtures/process_tasks.ts", import.meta.url);

test("hybrid: task names routed to a process pool and a Web Worker pool run where they were sent", async () => {
  const isolated = createPool<Tasks>(url, { isolation: "process", maxWorkers: 1, autotune: false });
  const threads = createPool<Tasks>(url, { maxWorkers: 1, autotune: false });
  const routes: Record<string, typeof isolated> = { pid: isolated, waitForever: isolated };
  const run = <K extends "pid" | "echo" | "waitForever">(name: K, input: Parameters<Tasks[K]>[0]) =>
    (routes[name] ?? threads).run(name, input as never) as ReturnType<Tasks[K]>;
  try {
    // A Web Worker shares the application's process; a child process does not.
    assert.notEqual(await run("pid", undefined), process.pid);
    assert.equal(await threads.run("pid", undefined), process.pid);
    assert.equal(await run("echo", "thread"), "thread");
    assert.deepEqual(isolated.diagnostics().workers.map((w) => w.transport), ["process"]);
    assert.deepEqual(threads.diagnostics().workers.map((w) => w.transport), ["web-worker"]);
    // A crash on the isolated side stays there.
    const doomed = rejection(run("waitForever", undefined));
    const started = () => isolated.diagnostics().workers[0]?.currentTask === "waitForever";
    await until(started, "the isolated task to start");
    process.kill(isolated.diagnostics().workers[0].pid!, "SIGKILL");
    assert.ok((await doomed) instanceof WorkerCrashedError);
    assert.equal(await run("echo", "still here"), "still here");
  } finally {
    await Promise.all([isolated.close(), threads.close()]);
  }
});
