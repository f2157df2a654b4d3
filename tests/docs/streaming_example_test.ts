// docs/streaming.md's example is run by the suite: its two blocks are the files in
// examples/streaming/, held equal here, and the app is run as a script, its output checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runScript } from "../fixtures/run_script.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

test("the streaming page's example is examples/streaming/, and it prints what the page says", async () => {
  const page = read("docs/streaming.md");
  const blocks = [...page.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  for (const file of ["words.ts", "app.ts"]) {
    const block = blocks.filter((b) => b.startsWith(`// ${file}`));
    assert.equal(block.length, 1, `the page has one ts block opening with // ${file}`);
    assert.equal(block[0], read(`examples/streaming/${file}`), `the page's ${file}`);
  }
  const run = await runScript("examples/streaming/app.ts", [], { limitMs: 30_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split("\n"), [
    "STREAMS",
    "OF",
    "WORDS",
    "FROM",
    "A",
    "WORKER",
    "count: 6",
    "early: AbortError",
  ]);
});
