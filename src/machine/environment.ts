/**
 * Which environment the code runs in: CI, a developer's machine, production, or a browser page.
 *
 * @module
 */
import { runtime } from "../adapter/runtime.ts";
import type { RuntimeKey } from "../adapter/types.ts";
import { assertOneOf } from "../validate.ts";

/** Where the process runs; decides how much of the machine a pool may take. */
export type EnvironmentName = "ci" | "local" | "production" | "browser";

/** The environment and why it was chosen. */
export interface EnvironmentProfile {
  name: EnvironmentName;
  reason: string;
}

/** Reads one environment variable; `undefined` when unset. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * Every environment, in the profile table's order: the valid values of `WORKLOOM_ENV`.
 *
 * @example
 * ```ts
 * import { ENVIRONMENT_NAMES } from "./environment.ts";
 * console.log(ENVIRONMENT_NAMES.includes("ci")); // true
 * ```
 */
export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = Object.freeze(
  ["ci", "local", "production", "browser"] as const,
);

/**
 * Variables set by common CI services, most specific first so that the reason names the
 * service rather than the generic `CI` most of them also set.
 */
export const CI_VARIABLES: readonly string[] = [
  "GITHUB_ACTIONS",
  "GITLAB_CI",
  "BUILDKITE",
  "CIRCLECI",
  "JENKINS_URL",
  "TF_BUILD",
  "TEAMCITY_VERSION",
  "TRAVIS",
  "BITBUCKET_BUILD_NUMBER",
  "CODEBUILD_BUILD_ID",
  "DRONE",
  "APPVEYOR",
  "SEMAPHORE",
  "CI",
];

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * Detects the environment: `WORKLOOM_ENV` when set (an invalid value throws a `TypeError`),
 * else `"ci"` when a CI variable is set, else `"local"`. `CI=false` or `CI=0` turns CI detection
 * off, as it does in most tools. `"production"` is never guessed: say so with
 * `WORKLOOM_ENV=production`. In a browser page (runtime `"browser"`), which has no environment
 * variables, the answer is `"browser"`. Without an argument it reads the real environment (in Deno
 * without `--allow-env` nothing is readable, so the answer is `"local"`).
 *
 * @example
 * ```ts
 * import { detectEnvironment } from "./environment.ts";
 * detectEnvironment((name) => ({ GITHUB_ACTIONS: "true" })[name]);
 * // { name: "ci", reason: "CI variable GITHUB_ACTIONS is set" }
 * ```
 */
export function detectEnvironment(
  env: EnvLookup = runtime.env,
  runtimeKey: RuntimeKey = runtime.key,
): EnvironmentProfile {
  const override = env("WORKLOOM_ENV");
  if (override !== undefined && override !== "") {
    assertOneOf("detect the environment", "WORKLOOM_ENV", override, ENVIRONMENT_NAMES);
    return { name: override, reason: `WORKLOOM_ENV=${override}` };
  }
  if (runtimeKey === "browser") {
    return {
      name: "browser",
      reason: "a browser page, on the user's device beside its other tabs",
    };
  }
  const ci = env("CI");
  if (ci !== undefined && ci !== "" && !isSet(ci)) {
    return { name: "local", reason: `CI=${ci} turns CI detection off` };
  }
  const found = CI_VARIABLES.find((name) => isSet(env(name)));
  if (found) return { name: "ci", reason: `CI variable ${found} is set` };
  return { name: "local", reason: "no CI variable set" };
}
