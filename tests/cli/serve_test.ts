import { test } from "node:test";
import assert from "node:assert/strict";
import { readServeSettings, SERVE_USAGE } from "../../src/cli/serve_settings.ts";
import { parseBytes, parseDuration } from "../../src/cli/units.ts";
import { run } from "./cli_helpers.ts";

const noEnv = () => undefined;

test("parseBytes and parseDuration read the units people type, and refuse others", () => {
  assert.deepEqual(["1mb", "512kb", "100", "2 GB", "1.5kb"].map(parseBytes), [
    1 << 20,
    512 * 1024,
    100,
    2 * 1024 ** 3,
    1536,
  ]);
  assert.deepEqual(["10s", "1h", "250ms", "5m", "2d", "300"].map(parseDuration), [
    10_000,
    3_600_000,
    250,
    300_000,
    172_800_000,
    300,
  ]);
  for (const bad of ["", "mb", "1xb", "-1mb", "1e3"]) {
    assert.throws(() => parseBytes(bad), RangeError, bad);
  }
  assert.throws(() => parseDuration("10 fortnights"), /units ms, s, m, h, d/);
});

test("workloom serve's defaults match its --help", () => {
  const s = readServeSettings(["--tasks", "t.ts"], noEnv, { runtime: "bun" });
  assert.notEqual(s, "help");
  assert.deepEqual(s, {
    tasks: "t.ts",
    port: 8787,
    host: "127.0.0.1",
    token: undefined,
    allowedHosts: [],
    isolation: "thread",
    jobTimeoutMs: 300_000,
    maxJobTimeoutMs: 3_600_000,
    maxQueue: 1000,
    maxQueuePerKey: undefined,
    maxQueuePerClient: undefined,
    maxBody: 1 << 20,
    maxStoreBytes: undefined,
    maxResult: 16 << 20,
    jobTtlMs: 3_600_000,
    maxJobs: 10_000,
    keyConcurrency: 4,
    drainTimeoutMs: 10_000,
    limits: {},
    chunks: {},
  });
  const onDeno = readServeSettings(["--tasks", "t.ts"], noEnv, { runtime: "deno" });
  assert.ok(onDeno !== "help" && onDeno.isolation === "process", "process is Deno's default");
  for (
    const line of ["8787", "127.0.0.1", "1000", "1mb", "1h", "10000", "Default: 4", "10s", "5m"]
  ) {
    assert.ok(SERVE_USAGE.includes(line), line);
  }
  for (
    const flag of [
      "--tasks",
      "--port",
      "--host",
      "--token",
      "--max-queue",
      "--max-queue-per-key",
      "--max-queue-per-client",
      "--max-store-bytes",
      "--max-result",
      "--max-body",
      "--job-ttl",
      "--max-jobs",
      "--key-concurrency",
      "--drain-timeout",
      "--token-file",
      "--allowed-hosts",
      "--isolation",
      "--job-timeout",
      "--max-job-timeout",
    ]
  ) {
    assert.ok(SERVE_USAGE.includes(flag), flag);
  }
});

test("workloom serve reads WORKLOOM_TOKEN and WORKLOOM_PORT, flags first", () => {
  const env = (n: string) =>
    ({ WORKLOOM_TOKEN: "envtok", WORKLOOM_PORT: "9000" } as Record<string, string>)[n];
  const s = readServeSettings(["--tasks", "t.ts"], env);
  assert.ok(s !== "help" && s.token === "envtok" && s.port === 9000);
  const f = readServeSettings(["--tasks", "t.ts", "--port", "0", "--token", "flag"], env);
  assert.ok(f !== "help" && f.token === "flag" && f.port === 0);
});

test("workloom serve refuses to bind beyond loopback without a token, and says why", () => {
  assert.throws(
    () => readServeSettings(["--tasks", "t.ts", "--host", "0.0.0.0"], noEnv),
    /Refusing to bind 0\.0\.0\.0 without a token/,
  );
  const ok = readServeSettings(["--tasks", "t.ts", "--host", "0.0.0.0", "--token", "t"], noEnv);
  assert.ok(ok !== "help" && ok.host === "0.0.0.0");
  for (const host of ["localhost", "127.0.0.2", "::1"]) {
    assert.doesNotThrow(() => readServeSettings(["--tasks", "t.ts", "--host", host], noEnv), host);
  }
});

test("workloom serve exits 2 with a clear message for an unknown option or a bad value", async () => {
  const cases: [string[], RegExp][] = [
    [["--tasks", "t.ts", "--bogus"], /Unknown option '--bogus'/],
    [[], /--tasks <module> is required/],
    [["--tasks", "t.ts", "--port", "http"], /--port must be a whole number/],
    [["--tasks", "t.ts", "--port", "70000"], /--port must be at most 65535/],
    [["--tasks", "t.ts", "--max-queue", "0"], /--max-queue must be a whole number of at least 1/],
    [["--tasks", "t.ts", "--max-body", "lots"], /--max-body must be a positive size/],
    [["--tasks", "t.ts", "--job-ttl", "0s"], /--job-ttl must be a positive size or duration/],
    [["--tasks", "t.ts", "--drain-timeout", "soon"], /--drain-timeout/],
    [["--tasks", "t.ts", "--token", ""], /--token/],
    [["--tasks", "t.ts", "--isolation", "fiber"], /--isolation must be thread or process/],
    [["--tasks", "t.ts", "--job-timeout", "2h"], /--job-timeout \(7200000 ms\) must be at most/],
    [["--tasks", "t.ts", "--max-job-timeout", "never"], /--max-job-timeout/],
    [["--tasks", "t.ts", "--allowed-hosts", "a.example:80"], /--allowed-hosts must list/],
    [["--tasks", "t.ts", "--token-file", "/nonexistent/token"], /--token-file .* cannot be read/],
    [["--tasks", "t.ts", "--token-file", "x", "--token", "y"], /--token-file or --token/],
  ];
  for (const [args, message] of cases) {
    const r = await run(["serve", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, message, args.join(" "));
    assert.match(r.err, /Usage: workloom serve/);
  }
  const help = await run(["serve", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--drain-timeout/);
});

test("workloom serve reads --queue and its options, which need --queue, and refuses a URL that is not redis://", () => {
  const s = readServeSettings([
    "--tasks",
    "t.ts",
    "--queue",
    "redis://127.0.0.1:6379",
    "--node-id",
    "n1",
    "--claim-idle",
    "2s",
    "--max-deliveries",
    "5",
  ], noEnv);
  assert.ok(s !== "help");
  assert.deepEqual(
    [s.queue, s.nodeId, s.claimIdleMs, s.maxDeliveries],
    ["redis://127.0.0.1:6379", "n1", 2000, 5],
  );
  const plain = readServeSettings(["--tasks", "t.ts"], noEnv);
  assert.ok(plain !== "help" && plain.queue === undefined);
  assert.throws(() => readServeSettings(["--tasks", "t.ts", "--claim-idle", "2s"], noEnv), {
    message: /--claim-idle needs --queue/,
  });
  assert.throws(() => readServeSettings(["--tasks", "t.ts", "--queue", "http://x"], noEnv), {
    message: /--queue must be a redis:\/\/ URL/,
  });
});
