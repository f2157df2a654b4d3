// The claims check: a test proves a claim only if removing the mechanism makes it fail. Every
// tests/claims/*.json file lists claims, each with the edits that remove one mechanism and the
// test files that must then go red; for each claim this applies the edits in a scratch copy of
// the tree, runs the named files on the claim's runtime, and requires at least one test case to
// fail. A claim whose `find` text no longer occurs exactly once, whose removal only stops the
// files from loading (or hangs them), or whose tests stay green fails the check.
//
// Where the time went, and what it costs now: the claims run in lanes, one per core; each lane
// copies the tree once and puts a claim's files back from their saved text afterwards (a copy per
// claim cost more than some claims' runs), and each test file stops at its first failed case
// (Deno's --fail-fast, Bun's --bail), since one is all a claim needs. What is left is mostly the
// failing test itself: a test that waits for something the removal stopped waits out its own
// deadline.
//
// Why not StrykerJS (checked: @stryker-mutator/core 10.1.1, command runner): it generates its
// own mutants from generic operators and instruments the sources with mutation switches, while
// we need named removals of specific mechanisms (a call made a no-op, a bound made infinite),
// each tied to the one test file that must catch it, so that the whole check takes minutes and
// says which claim broke. Its command runner judges a mutant by the command's exit code alone, so
// a removal that only stops a file from loading would count as "killed"; here it does not. It
// also needs Node >= 22 and would be a dependency for something this ~250-line script does.
//
// Usage: npm run claims [-- --only <id substring> …] [-- --list] [-- --jobs <cores>] [-- --deadline 120]
//        node scripts/claims.mjs --root <tree>   (another tree: the tool's own test fixture)
// Exit code 0 only when every claim went red; 2 when a claims file is malformed.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, isAbsolute, join, normalize, resolve } from "node:path";
import { parseArgs } from "node:util";
import { root as projectRoot } from "./ensure_deps.mjs";
import { killAll, runFiles } from "./test_files.mjs";

const RUNTIMES = ["deno", "bun"];
const KEYS = new Set(["id", "claim", "edits", "tests", "runtime"]);
const EDIT_KEYS = new Set(["file", "find", "replace"]);
// Scratch folders in use, removed on the way out even when the check is interrupted.
const scratches = new Set();

/** A malformed claims file: the message names the file, the claim and the field. */
class ClaimsFileError extends Error {
  name = "ClaimsFileError";
}

function fail(where, field, rule, value) {
  throw new ClaimsFileError(
    `${where}: '${field}' ${rule}: current value is ${JSON.stringify(value)}`,
  );
}

function nonEmptyString(v) {
  return typeof v === "string" && v.length > 0;
}

/** A path inside the tree: relative, normalised, not climbing out of it. */
function treePath(tree, where, field, value) {
  if (!nonEmptyString(value) || isAbsolute(value) || normalize(value).startsWith("..")) {
    fail(where, field, "must be a relative path inside the tree", value);
  }
  if (!existsSync(join(tree, value))) fail(where, field, "names a file that does not exist", value);
  return value;
}

/** Validates one claim from `file` and returns it with the runtime filled in. */
function validateClaim(tree, file, claim, index, seen) {
  let where = `${file}: claim [${index}]`;
  if (typeof claim !== "object" || claim === null || Array.isArray(claim)) {
    fail(where, `[${index}]`, "must be an object", claim);
  }
  if (!nonEmptyString(claim.id)) fail(where, "id", "must be a non-empty string", claim.id);
  where = `${file}: claim "${claim.id}"`;
  if (seen.has(claim.id)) fail(where, "id", `is already used in ${seen.get(claim.id)}`, claim.id);
  seen.set(claim.id, file);
  for (const key of Object.keys(claim)) {
    if (!KEYS.has(key)) fail(where, key, `is not a claim field (${[...KEYS].join(", ")})`, key);
  }
  if (!nonEmptyString(claim.claim)) {
    fail(where, "claim", "must be a non-empty sentence", claim.claim);
  }
  if (!Array.isArray(claim.edits) || claim.edits.length === 0) {
    fail(where, "edits", "must be a non-empty array", claim.edits);
  }
  claim.edits.forEach((edit, i) => {
    const at = `edits[${i}]`;
    if (typeof edit !== "object" || edit === null || Array.isArray(edit)) {
      fail(where, at, "must be an object", edit);
    }
    for (const key of Object.keys(edit)) {
      if (!EDIT_KEYS.has(key)) fail(where, `${at}.${key}`, "is not an edit field", key);
    }
    treePath(tree, where, `${at}.file`, edit.file);
    if (!nonEmptyString(edit.find)) {
      fail(where, `${at}.find`, "must be a non-empty string", edit.find);
    }
    if (typeof edit.replace !== "string") {
      fail(where, `${at}.replace`, "must be a string", edit.replace);
    }
    if (edit.replace === edit.find) {
      fail(where, `${at}.replace`, "must differ from find (it removes nothing)", edit.replace);
    }
  });
  if (!Array.isArray(claim.tests) || claim.tests.length === 0) {
    fail(where, "tests", "must be a non-empty array of test files", claim.tests);
  }
  claim.tests.forEach((t, i) => {
    treePath(tree, where, `tests[${i}]`, t);
    if (!t.endsWith("_test.ts")) fail(where, `tests[${i}]`, "must name a *_test.ts file", t);
  });
  const runtime = claim.runtime ?? "deno";
  if (!RUNTIMES.includes(runtime)) {
    fail(where, "runtime", `must be one of ${RUNTIMES.join(", ")}`, claim.runtime);
  }
  return { ...claim, runtime, file };
}

/** Every claim of every `<tree>/tests/claims/*.json`, validated, in file then list order. */
function loadClaims(tree) {
  const dir = join(tree, "tests", "claims");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).sort() : [];
  const seen = new Map();
  const claims = [];
  for (const name of files) {
    const file = `tests/claims/${name}`;
    let list;
    try {
      list = JSON.parse(readFileSync(join(tree, file), "utf8"));
    } catch (error) {
      throw new ClaimsFileError(`${file}: not valid JSON: ${error.message}`);
    }
    if (!Array.isArray(list)) fail(file, "(top level)", "must be an array of claims", typeof list);
    list.forEach((claim, i) => claims.push(validateClaim(tree, file, claim, i, seen)));
  }
  return claims;
}

/**
 * The tree's tracked and untracked-but-not-ignored files; outside a git work tree (the claims
 * check's own test, run by the claims check in a scratch copy), every file but node_modules.
 */
function treeFiles(tree) {
  try {
    return execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
      cwd: tree,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    }).split("\0").filter(Boolean);
  } catch (error) {
    if (!/not a git repository/.test(String(error.stderr))) throw error;
    return [...snapshot(tree).keys()];
  }
}

/**
 * Copies the tree's tracked and untracked-but-not-ignored files into a new scratch folder, with
 * node_modules linked rather than copied, and returns the folder.
 */
function copyTree(tree) {
  const scratch = mkdtempSync(join(tmpdir(), "workloom-claim-"));
  scratches.add(scratch);
  for (const f of treeFiles(tree)) {
    // A tracked file deleted in the working tree is still listed: the copy follows the tree.
    if (!existsSync(join(tree, f))) continue;
    mkdirSync(dirname(join(scratch, f)), { recursive: true });
    cpSync(join(tree, f), join(scratch, f));
  }
  for (const modules of ["node_modules", "tools/cycles/node_modules"]) {
    const from = join(tree, modules);
    if (existsSync(from) && existsSync(dirname(join(scratch, modules)))) {
      symlinkSync(realpathSync(from), join(scratch, modules));
    }
  }
  return scratch;
}

/**
 * What every file of a tree looks like (path → size and modification time), links not followed
 * and node_modules left out: a scratch copy links the tree's own.
 */
function snapshot(dir) {
  const stamps = new Map();
  const walk = (rel) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name === "node_modules" || entry.name === ".git") continue;
      if (entry.isDirectory()) walk(path);
      else if (!entry.isSymbolicLink()) stamps.set(path, stamp(join(dir, path)));
    }
  };
  walk("");
  return stamps;
}

function stamp(path) {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
}

function sameStamps(a, b) {
  if (a.size !== b.size) return false;
  for (const [path, s] of a) if (b.get(path) !== s) return false;
  return true;
}

/**
 * One lane's scratch copy of the tree, used claim after claim: copying the tree per claim cost
 * more than some claims' test runs. Each claim's edits are reverted from the saved original
 * text, and a run that left the copy different in any other way (a file written, removed or
 * changed) costs the lane a fresh copy, so every claim still starts from the tree as it is.
 */
class LaneCopy {
  constructor(tree) {
    this.tree = tree;
    this.dir = copyTree(tree);
    this.stamps = snapshot(this.dir);
  }

  /**
   * Applies the claim's edits, keeping each file's original text for `revert`; returns a reason
   * when one no longer applies (`revert` then undoes the edits made before it).
   */
  apply(claim) {
    this.originals = new Map();
    for (const [i, edit] of claim.edits.entries()) {
      const path = join(this.dir, edit.file);
      const text = readFileSync(path, "utf8");
      const count = text.split(edit.find).length - 1;
      if (count !== 1) {
        return `edits[${i}]: the find text occurs ${count} times in ${edit.file}, not once`;
      }
      if (!this.originals.has(edit.file)) this.originals.set(edit.file, text);
      writeFileSync(path, text.replace(edit.find, () => edit.replace));
    }
    return null;
  }

  /** Puts the edited files back, and copies the tree afresh if the run changed anything else. */
  revert() {
    for (const [file, text] of this.originals) {
      writeFileSync(join(this.dir, file), text);
      this.stamps.set(file, stamp(join(this.dir, file)));
    }
    this.originals.clear();
    if (sameStamps(this.stamps, snapshot(this.dir))) return;
    this.remove();
    this.dir = copyTree(this.tree);
    this.stamps = snapshot(this.dir);
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true });
    scratches.delete(this.dir);
  }
}

/** A result's failed test cases (not a hang, a load failure or a missing report). */
function failedCases(result) {
  return result.problems.filter((p) => p.startsWith("FAIL "));
}

/**
 * Checks one claim: { verdict, seconds, detail } where verdict is "RED ok", "STILL GREEN",
 * "PATCH DOES NOT APPLY" or "LOAD FAILURE". The claim's files run one after the other, stopping
 * at the first red one, each stopping at its first failed test case (one is all a claim needs),
 * under one deadline for the claim, in the lane's copy of the tree.
 */
async function checkClaim(lane, claim, deadlineS) {
  const t0 = performance.now();
  const seconds = () => Math.round((performance.now() - t0) / 100) / 10;
  const scratch = lane.dir;
  try {
    const notApplied = lane.apply(claim);
    if (notApplied) {
      return { verdict: "PATCH DOES NOT APPLY", seconds: seconds(), detail: [notApplied] };
    }
    const broken = [];
    for (const file of claim.tests) {
      const left = Math.max(1, deadlineS - seconds());
      const [result] = await runFiles(claim.runtime, [file], {
        jobs: 1,
        deadlineS: left,
        onDone: () => {},
        cwd: scratch,
        failFast: true,
      });
      const failed = failedCases(result);
      if (failed.length) {
        return {
          verdict: "RED ok",
          seconds: seconds(),
          detail: [`${file}: ${failed.length} failed: ${failed.map((f) => f.slice(5)).join("; ")}`],
        };
      }
      if (result.problems.length) broken.push(result);
    }
    if (broken.length) {
      return {
        verdict: "LOAD FAILURE",
        seconds: seconds(),
        detail: [
          "the removal broke loading, not behaviour (a load failure, no report or a hang is not red)",
          ...broken.flatMap((r) => [
            ...r.problems.map((p) => `${r.file}: ${p}`),
            // The head of the output says why it did not load; the tail is a backtrace.
            // deno-lint-ignore no-control-regex -- the runtimes' colour codes, stripped
            ...r.output.replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((l) => l.trim())
              .slice(0, 12).map((l) => `│ ${l}`),
          ]),
        ],
      };
    }
    return {
      verdict: "STILL GREEN",
      seconds: seconds(),
      detail: [`every test passed with the mechanism removed: ${claim.tests.join(", ")}`],
    };
  } finally {
    lane.revert();
  }
}

function positiveNumber(name, text) {
  const n = Number(text);
  if (!(n > 0)) {
    throw new RangeError(`--${name} must be a positive number: current value is ${text}`);
  }
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: "string", multiple: true },
      list: { type: "boolean" },
      // One lane per core: a claim's run is mostly one runtime process.
      jobs: { type: "string", default: String(availableParallelism()) },
      deadline: { type: "string", default: "120" },
      root: { type: "string" },
    },
  });
  const jobs = positiveNumber("jobs", values.jobs);
  const deadlineS = positiveNumber("deadline", values.deadline);
  const tree = values.root ? resolve(values.root) : projectRoot;
  let claims;
  try {
    claims = loadClaims(tree);
  } catch (error) {
    if (!(error instanceof ClaimsFileError)) throw error;
    console.error(`claims: ${error.message}`);
    return 2;
  }
  const only = values.only ?? [];
  if (only.length) claims = claims.filter((c) => only.some((s) => c.id.includes(s)));
  if (!claims.length) {
    console.error(
      `claims: no claim${only.length ? ` matches --only ${only.join(", ")}` : " found"}`,
    );
    return 1;
  }
  if (values.list) {
    for (const c of claims) {
      console.log(`${c.id}  [${c.runtime}: ${c.tests.join(", ")}]\n    ${c.claim}`);
    }
    return 0;
  }
  const t0 = performance.now();
  const counts = new Map();
  let next = 0;
  // The claims that did not go red, repeated above the closing line: a long log is often read
  // from its end, and a failing claim must not be lost in the middle of it.
  const notRed = [];
  async function lane() {
    if (next >= claims.length) return;
    const copy = new LaneCopy(tree);
    try {
      while (next < claims.length) {
        const claim = claims[next++];
        const r = await checkClaim(copy, claim, deadlineS);
        counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
        const lines = [`${r.verdict.padEnd(20)} ${claim.id}  [${claim.runtime}, ${r.seconds} s]`];
        if (r.verdict === "RED ok") lines[0] += `  ${r.detail[0]}`;
        else {
          lines.push(...r.detail.map((d) => `  ▶ ${d}`));
          notRed.push(lines.join("\n"));
        }
        // One write per claim, so that two claims ending together do not interleave.
        console.log(lines.join("\n"));
      }
    } finally {
      copy.remove();
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, claims.length) }, lane));
  const red = counts.get("RED ok") ?? 0;
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const others = ["STILL GREEN", "PATCH DOES NOT APPLY", "LOAD FAILURE"]
    .map((v) => `${counts.get(v) ?? 0} ${v.toLowerCase()}`).join(", ");
  if (notRed.length > 0) console.log(`\nclaims not red:\n${notRed.join("\n")}\n`);
  console.log(`claims: ${red} of ${claims.length} red, ${others} in ${seconds} s`);
  return red === claims.length ? 0 : 1;
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    for (const s of scratches) rmSync(s, { recursive: true, force: true });
    process.exit(130);
  });
}

process.exitCode = await main();
