import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { run } from "./cli_helpers.ts";

const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);
const bin = (name: string): string => `${root}node_modules/.bin/${name}`;

/** Runs the real command line in a child process, with a clean WORKLOOM_ENV. */
function spawn(cmd: string, args: string[], env: Record<string, string> = {}) {
  const { WORKLOOM_ENV: _, ...rest } = process.env;
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...rest, NO_COLOR: "1", ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("workloom profile --json prints the machine profile as JSON and exits 0", async () => {
  const r = await run(["profile", "--json"]);
  assert.equal(r.code, 0);
  const profile = JSON.parse(r.out);
  assert.deepEqual(Object.keys(profile), [
    "runtime",
    "cores",
    "memory",
    "sharedMemory",
    "environment",
  ]);
  assert.ok(profile.cores.effective >= 1);
  assert.equal(r.err, "");
});

test("workloom profile prints a table with a reason for each figure", async () => {
  const r = await run(["profile"]);
  assert.equal(r.code, 0);
  for (const label of ["runtime", "cores", "memory total", "shared memory", "environment"]) {
    assert.match(r.out, new RegExp(`^${label} `, "m"));
  }
});

test("workloom demo --quick runs the example batch, prints the speed-up, closes the pool and exits 0", async () => {
  const r = await run(["demo", "--quick"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^workloom demo on (deno|bun) /);
  assert.match(r.out, /^batch: map\(\) over 24 countPrimes ranges/m);
  assert.match(r.out, /^ {2}speed-up\s+\d+\.\d\dx/m);
  assert.match(r.out, /^ {2}workers left\s+0$/m);
  assert.equal(r.err, "");
});

test("help prints the usage and exits 0", async () => {
  for (const args of [["--help"], ["-h"], ["help"], ["profile", "--help"], ["demo", "--help"]]) {
    const r = await run(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.out, /^Usage: workloom <command>/);
  }
});

test("a wrong command line prints the error and the usage and exits 2", async () => {
  const table: [string[], RegExp][] = [
    [[], /workloom: missing command/],
    [["serv"], /workloom: unknown command "serv"/],
    [["toString"], /workloom: unknown command "toString"/],
    [["profile", "--bogus"], /--bogus/],
    [["profile", "extra"], /extra/],
    [["profile", "--json=yes"], /--json/],
    [["demo", "--batch", "5"], /--batch/],
  ];
  for (const [args, message] of table) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, message);
    assert.match(r.err, /Usage: workloom <command>/);
    assert.equal(r.out, "");
  }
});

test("Deno without any permission still prints a profile, saying 'not permitted'", () => {
  const r = spawn(bin("deno"), ["run", "--no-prompt", "src/cli/cli.ts", "profile", "--json"]);
  assert.equal(r.code, 0, r.err);
  const profile = JSON.parse(r.out);
  assert.equal(profile.runtime.key, "deno");
  assert.ok(profile.cores.effective >= 1);
  assert.match(profile.cores.details.affinity, /not permitted/);
  assert.match(profile.cores.details.quota, /not permitted/);
  assert.match(profile.memory.reason, /not permitted/);
});

test("the command line runs under Bun and reads WORKLOOM_ENV", () => {
  const r = spawn(bin("bun"), ["src/cli/cli.ts", "profile", "--json"], {
    WORKLOOM_ENV: "production",
  });
  assert.equal(r.code, 0, r.err);
  const profile = JSON.parse(r.out);
  assert.equal(profile.runtime.key, "bun");
  assert.deepEqual(profile.environment, { name: "production", reason: "WORKLOOM_ENV=production" });
});

test("the process exit code follows main's result on both runtimes", () => {
  const table: [string, string[], Record<string, string>, number][] = [
    ["deno", ["run", "--no-prompt", "src/cli/cli.ts", "serve"], {}, 2],
    ["bun", ["src/cli/cli.ts", "serve"], {}, 2],
    ["bun", ["src/cli/cli.ts", "profile"], { WORKLOOM_ENV: "staging" }, 1],
    ["deno", ["run", "--no-prompt", "--allow-env", "src/cli/cli.ts", "profile"], {
      WORKLOOM_ENV: "staging",
    }, 1],
  ];
  for (const [cmd, args, env, code] of table) {
    const r = spawn(bin(cmd), args, env);
    assert.equal(r.code, code, `${cmd} ${args.join(" ")}: ${r.err}`);
    if (code === 1) {
      assert.match(r.err, /'WORKLOOM_ENV' must be one of "ci", "local", "production"/);
    }
  }
});
