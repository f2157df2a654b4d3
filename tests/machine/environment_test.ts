import { test } from "node:test";
import assert from "node:assert/strict";
import { CI_VARIABLES, detectEnvironment } from "../../src/machine/environment.ts";
import { runtime } from "../../src/adapter/runtime.ts";

const lookup = (vars: Record<string, string>) => (name: string): string | undefined => vars[name];

test("detectEnvironment picks ci, local or production and says why", () => {
  const table: [Record<string, string>, string, string][] = [
    [{}, "local", "no CI variable set"],
    [{ CI: "true" }, "ci", "CI variable CI is set"],
    [{ CI: "1" }, "ci", "CI variable CI is set"],
    [{ CI: "true", GITHUB_ACTIONS: "true" }, "ci", "CI variable GITHUB_ACTIONS is set"],
    [{ GITLAB_CI: "true" }, "ci", "CI variable GITLAB_CI is set"],
    [{ JENKINS_URL: "https://jenkins.example" }, "ci", "CI variable JENKINS_URL is set"],
    [{ TF_BUILD: "True" }, "ci", "CI variable TF_BUILD is set"],
    [{ CI: "false" }, "local", "CI=false turns CI detection off"],
    [{ CI: "0", BUILDKITE: "true" }, "local", "CI=0 turns CI detection off"],
    [{ CI: "" }, "local", "no CI variable set"],
    [{ GITHUB_ACTIONS: "" }, "local", "no CI variable set"],
    [{ WORKLOOM_ENV: "production" }, "production", "WORKLOOM_ENV=production"],
    [{ WORKLOOM_ENV: "local", CI: "true" }, "local", "WORKLOOM_ENV=local"],
    [{ WORKLOOM_ENV: "ci" }, "ci", "WORKLOOM_ENV=ci"],
    [{ WORKLOOM_ENV: "", CI: "true" }, "ci", "CI variable CI is set"],
  ];
  for (const [vars, name, reason] of table) {
    assert.deepEqual(detectEnvironment(lookup(vars)), { name, reason }, JSON.stringify(vars));
  }
});

test("in a browser page the environment is browser, and says so; on a server runtime never", () => {
  assert.deepEqual(detectEnvironment(lookup({}), "browser"), {
    name: "browser",
    reason: "a browser page, on the user's device beside its other tabs",
  });
  for (const key of ["deno", "bun", "node"] as const) {
    assert.equal(detectEnvironment(lookup({}), key).name, "local", key);
  }
});

test("every listed CI variable alone makes the environment ci", () => {
  for (const variable of CI_VARIABLES) {
    assert.deepEqual(detectEnvironment(lookup({ [variable]: "true" })), {
      name: "ci",
      reason: `CI variable ${variable} is set`,
    });
  }
});

test("an invalid WORKLOOM_ENV is a TypeError that names the valid values", () => {
  assert.throws(() => detectEnvironment(lookup({ WORKLOOM_ENV: "prod" })), {
    name: "TypeError",
    message:
      `Cannot detect the environment as 'WORKLOOM_ENV' must be one of "ci", "local", "production", "browser": current value is "prod"`,
  });
});

test("detectEnvironment reads the runtime's environment by default", () => {
  assert.deepEqual(detectEnvironment(), detectEnvironment(runtime.env));
});
