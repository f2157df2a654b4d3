// The README's TypeScript example is run by the suite through copies: its task module is
// tests/fixtures/readme_tasks.ts and its app's calls are in tests/pool/spread_test.ts. These tests
// hold the copies to the README, so that the example the suite runs is the one readers see.
// (The README's plain-JavaScript example is run from the README itself by the package step,
// scripts/package_smoke.mjs.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const readme = read("README.md");

/** The README's fenced TypeScript block whose first line starts with `// <name>`. */
function readmeBlock(name: string): string {
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  const found = blocks.filter((b) => b.startsWith(`// ${name}`));
  assert.equal(found.length, 1, `the README has one ts block opening with // ${name}`);
  return found[0];
}

test("the README's tasks.ts is the fixture the suite runs, but for the import's specifier", () => {
  const block = readmeBlock("tasks.ts").split("\n").slice(1).join("\n"); // past its file name
  const fixture = read("tests/fixtures/readme_tasks.ts").replace(/^(\/\/.*\n)+/, "");
  assert.equal(fixture, block.replace('from "@workloom/workloom"', 'from "../../mod.ts"'));
});

test("the README's app.ts makes the calls that spread_test.ts runs with the README's tasks", () => {
  const app = readmeBlock("app.ts");
  const spread = read("tests/pool/spread_test.ts");
  for (
    const line of [
      `await pool.run("render", { title: "Hi" }, { priority: 0, timeoutMs: 2000 });`,
      "const limits = Array.from({ length: 100 }, (_, i) => (i + 1) * 10_000);",
      `await pool.map("countPrimes", limits, { weight: (n) => n }); // heavy first`,
    ]
  ) {
    assert.ok(app.includes(line), `the README's app.ts lacks: ${line}`);
    assert.ok(spread.includes(line), `spread_test.ts lacks: ${line}`);
  }
});
