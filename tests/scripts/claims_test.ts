// The claims check (scripts/claims.mjs) run for real, with Node, over a tiny tree of its own
// (tests/fixtures/claims/): a module, its test file and claims that go red, stay green, no longer
// apply and break loading. Each run gets a private temporary folder, so that the scratch copies
// it must remove can be counted without seeing other processes' files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = fileURLToPath(new URL("../fixtures/claims/", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  leftInTmp: string[];
}

/** Runs `node scripts/claims.mjs …args` with TMPDIR set to a fresh folder of its own. */
function claims(args: string[]): Promise<Run> {
  const tmp = mkdtempSync(join(tmpdir(), "claims-test-"));
  return new Promise((resolve) => {
    execFile(
      "node",
      ["scripts/claims.mjs", ...args],
      { cwd: root, env: { ...process.env, TMPDIR: tmp, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const leftInTmp = readdirSync(tmp);
        rmSync(tmp, { recursive: true, force: true });
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr, leftInTmp });
      },
    );
  });
}

/** The verdict printed for each claim id: "RED ok", "STILL GREEN", … */
function verdicts(stdout: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = line.match(/^(RED ok|STILL GREEN|PATCH DOES NOT APPLY|LOAD FAILURE)\s+(\S+)\s+\[/);
    if (m) found[m[2]] = m[1];
  }
  return found;
}

const EVERY_VERDICT = {
  "fixture.upper-bound": "RED ok",
  "fixture.lower-bound.bun": "RED ok",
  "fixture.untested": "STILL GREEN",
  "fixture.gone": "PATCH DOES NOT APPLY",
  "fixture.both-bounds": "RED ok",
  "fixture.unloadable": "LOAD FAILURE",
};

test("the claims check gives each claim its verdict, fails the run, and removes its scratch copies", async () => {
  const run = await claims(["--root", fixture, "--jobs", "2"]);
  assert.deepEqual(verdicts(run.stdout), EVERY_VERDICT, run.stdout + run.stderr);
  assert.match(run.stdout, /edits\[1\]: the find text occurs 0 times in clamp\.ts, not once/);
  assert.match(run.stdout, /removal broke loading, not behaviour/);
  assert.match(run.stdout, /Error: not loadable/, "a load failure shows why it did not load");
  assert.match(
    run.stdout,
    /^claims: 3 of 6 red, 1 still green, 1 patch does not apply, 1 load failure in [\d.]+ s$/m,
  );
  assert.equal(run.code, 1);
  assert.deepEqual(run.leftInTmp, [], "no scratch folder is left behind");
});

test("with one lane, each claim starts from the tree as it is: edits reverted, a run's files gone", async () => {
  // One scratch copy serves every claim in turn: the edits of the claim before (a partial one
  // too, fixture.gone) must be undone, and the file each clean run leaves (clamp_test.ts's
  // first test) must not reach the next claim, or fixture.untested and fixture.both-bounds
  // would get another verdict.
  const run = await claims(["--root", fixture, "--jobs", "1"]);
  assert.deepEqual(verdicts(run.stdout), EVERY_VERDICT, run.stdout + run.stderr);
  assert.equal(run.code, 1);
  assert.deepEqual(run.leftInTmp, [], "no scratch folder is left behind");
});

test("a claim's run stops at its first failed test case: one is all a claim needs", async () => {
  const run = await claims(["--root", fixture, "--only", "both-bounds"]);
  // Both bound tests would fail; the runtime stopped after the first.
  assert.match(
    run.stdout,
    /^RED ok +fixture\.both-bounds .*1 failed: clamp\(\) raises a value below the range/m,
    run.stdout + run.stderr,
  );
  assert.equal(run.code, 0);
});

test("the claims check exits 0 when every selected claim goes red, with the failed test named", async () => {
  const run = await claims(["--root", fixture, "--only", "bound"]);
  assert.deepEqual(verdicts(run.stdout), {
    "fixture.upper-bound": "RED ok",
    "fixture.lower-bound.bun": "RED ok",
    "fixture.both-bounds": "RED ok",
  }, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /fixture\.upper-bound .*1 failed: clamp\(\) lowers a value above the range/,
  );
  assert.match(run.stdout, /^claims: 3 of 3 red,/m);
  assert.equal(run.code, 0);
});

test("--list prints the claims without running them", async () => {
  const run = await claims(["--root", fixture, "--list"]);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^fixture\.lower-bound\.bun {2}\[bun: clamp_test\.ts\]$/m);
  assert.equal(verdicts(run.stdout)["fixture.upper-bound"], undefined);
  assert.equal(run.stdout.match(/^fixture\./gm)?.length, 6);
});

test("a malformed claims file is refused with its file, claim id and field named", async (t) => {
  const tree = mkdtempSync(join(tmpdir(), "claims-bad-"));
  t.after(() => rmSync(tree, { recursive: true, force: true }));
  mkdirSync(join(tree, "tests", "claims"), { recursive: true });
  writeFileSync(join(tree, "m.ts"), "export const x = 1;\n");
  writeFileSync(join(tree, "m_test.ts"), "");
  const cases: [unknown, RegExp][] = [
    [
      {
        id: "a",
        claim: "c",
        edits: [{ file: "m.ts", find: "", replace: "" }],
        tests: ["m_test.ts"],
      },
      /bad\.json: claim "a": 'edits\[0\]\.find' must be a non-empty string: current value is ""/,
    ],
    [
      { id: "b", claim: "c", edits: [{ file: "gone.ts", find: "x", replace: "" }], tests: [] },
      /claim "b": 'edits\[0\]\.file' names a file that does not exist: current value is "gone\.ts"/,
    ],
    [
      {
        id: "c",
        claim: "c",
        edits: [{ file: "m.ts", find: "x", replace: "" }],
        tests: ["m_test.ts"],
        runtime: "node",
      },
      /claim "c": 'runtime' must be one of deno, bun: current value is "node"/,
    ],
    [
      { claim: "no id" },
      /claim \[0\]: 'id' must be a non-empty string: current value is undefined/,
    ],
  ];
  for (const [claim, message] of cases) {
    writeFileSync(join(tree, "tests", "claims", "bad.json"), JSON.stringify([claim]));
    const run = await claims(["--root", tree, "--list"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  }
});
