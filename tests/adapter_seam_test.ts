// The runtime seam (docs/architecture.md, DESIGN.md): only src/adapter/ names a `node:` module,
// so that the core and the job layer run unchanged wherever an adapter exists. src/cli/ is the
// one other place allowed for now: the command line is an entry point, and its `node:util`
// parseArgs is reported for the lead, not moved here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sha256 } from "../src/adapter/sha256.ts";

const src = fileURLToPath(new URL("../src/", import.meta.url));
const ALLOWED = ["adapter/", "cli/"];

test("no module under src/ outside the adapter (and the CLI entry) imports a node: module", () => {
  const offenders: string[] = [];
  const files = readdirSync(src, { recursive: true }).map(String).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length > 50, `src/ holds the sources: ${files.length} files`);
  for (const file of files) {
    if (ALLOWED.some((dir) => file.startsWith(dir))) continue;
    const text = readFileSync(src + file, "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*["'](node:[\w/]+)["']/g)) {
      offenders.push(`src/${file} imports ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test("the adapter's SHA-256 takes text piece by piece and gives the standard digest", () => {
  const whole = sha256();
  whole.update("abc");
  // FIPS 180-2's test vector for "abc".
  assert.equal(
    whole.digest("hex"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const pieces = sha256();
  for (const piece of ["a", "", "bc"]) pieces.update(piece);
  assert.equal(pieces.digest("base64url"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
});
