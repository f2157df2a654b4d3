import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until, within } from "../fixtures/pool_helpers.ts";
import { call } from "./server_helpers.ts";

const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);

/** The CLI as a child process of the runtime running this test (deno or bun). */
function startCli(args: string[]) {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const argv = isDeno ? ["run", "-A", "src/cli/cli.ts", ...args] : ["src/cli/cli.ts", ...args];
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code, signal) => {
      if (signal) err += `killed by ${signal}`;
      resolve(code);
    })
  );
  return { child, out: () => out, err: () => err, exited };
}

test("SIGTERM drains a real server: no new jobs (503), running ones finish, queued ones end cancelled, exit 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "workloom-drain-"));
  const gate = join(dir, "open");
  const cli = startCli([
    "serve",
    "--tasks",
    "tests/fixtures/server_tasks.ts",
    "--port",
    "0",
    "--key-concurrency",
    "1",
    "--drain-timeout",
    "20s",
  ]);
  try {
    await until(
      () => /listening at http/.test(cli.out()),
      `the server starting (${cli.err()})`,
      30_000,
    );
    const url = /listening at (http:\/\/\S+)/.exec(cli.out())![1];
    assert.match(cli.out(), /curl .*\/jobs\?wait=5000/);
    const submit = (json: unknown) => call(`${url}/jobs`, { json });
    // The running job waits on a gate file, opened only once the drain has begun: with a sleep
    // it could end before the signal on a loaded machine, and the queued job start after it.
    const running = await submit({
      task: "gated",
      input: { gate, value: "done" },
      concurrencyKey: "k",
    });
    const queued = await submit({ task: "echo", input: 1, concurrencyKey: "k" });
    const delayed = await submit({ task: "echo", input: 2, delayMs: 60_000 });
    assert.equal(delayed.body.status, "delayed");
    // Wait for the first job to run, then hold waiters on every job before the signal.
    const status = async (id: string) => (await call(`${url}/jobs/${id}`)).body.status;
    await within(
      (async () => {
        while (await status(running.body.id) !== "running");
      })(),
      10_000,
      "the first job starting",
    );
    // An event stream on every job, each proven open by its first event before the signal.
    const streams = [];
    for (const job of [running, queued, delayed]) {
      const res = await fetch(`${url}/jobs/${job.body.id}/events`);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let seen = (await reader.read()).value ?? "";
      streams.push((async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) seen += r.value;
        const last = seen.trim().split("\n\n").at(-1)!;
        return JSON.parse(/^data: (.*)$/m.exec(last)![1]).status as string;
      })());
    }
    // process.kill, not child.kill: Deno's child_process reports a child it was asked to kill
    // as killed by that signal even when the child handled it and exited 0.
    process.kill(cli.child.pid!, "SIGTERM");
    // The signal arrives asynchronously: wait for the server to say it drains.
    await within(
      (async () => {
        while ((await call(`${url}/readyz`)).status !== 503);
      })(),
      10_000,
      "readyz turning 503",
    );
    const refused = await submit({ task: "echo", input: 3 });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "5");
    assert.equal(await status(running.body.id), "running", "the first job still runs in the drain");
    writeFileSync(gate, "");
    const [r, q, d] = await within(Promise.all(streams), 20_000, "the event streams ending");
    assert.equal(r, "succeeded", "the running job finished within the drain timeout");
    assert.equal(q, "cancelled");
    assert.equal(d, "cancelled");
    assert.equal(await within(cli.exited, 20_000, "the server exiting"), 0, cli.err() + cli.out());
    assert.match(cli.out(), /stopped/);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("npm start's server prints a curl that works, and a second signal exits at once with 130", async () => {
  const cli = startCli(["serve", "--tasks", "examples/tasks.ts", "--port", "0"]);
  try {
    await until(() => /Press Ctrl-C/.test(cli.out()), `the server starting (${cli.err()})`, 30_000);
    const url = /listening at (http:\/\/\S+)/.exec(cli.out())![1];
    // The printed curl's body, sent as printed.
    const body = /-d '([^']+)' "[^"]+\/jobs\?wait=5000"/.exec(cli.out())![1];
    const r = await call(`${url}/jobs?wait=5000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.result, 9592, "the primes below 100,000");
    const long = await call(`${url}/jobs`, {
      json: { task: "fetchRecord", input: { id: 1, latencyMs: 60_000 } },
    });
    assert.equal(long.status, 202);
    // Running before the signal: a job still queued would be cancelled at once, and the drain
    // could end and the server exit before the test saw it draining.
    await within(
      (async () => {
        while ((await call(`${url}/jobs/${long.body.id}`)).body.status !== "running");
      })(),
      10_000,
      "the long job starting",
    );
    process.kill(cli.child.pid!, "SIGTERM");
    await within(
      (async () => {
        while ((await call(`${url}/readyz`)).status !== 503);
      })(),
      10_000,
      "readyz turning 503",
    );
    process.kill(cli.child.pid!, "SIGTERM");
    assert.equal(await within(cli.exited, 10_000, "the forced exit"), 130, cli.err());
  } finally {
    if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
  }
});
