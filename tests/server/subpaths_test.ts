import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);

/** Every module an entry file loads, from `deno info`. */
function graph(entry: string): string[] {
  const r = spawnSync(`${root}node_modules/.bin/deno`, ["info", "--json", entry], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout).modules as { specifier: string }[]).map((m) => m.specifier);
}

test("importing the pool (mod.ts) never loads Hono or zod; the server subpath does; the client loads neither either", () => {
  const pool = graph("mod.ts");
  assert.ok(pool.length > 10);
  assert.deepEqual(pool.filter((s) => /hono|zod/.test(s)), []);
  assert.ok(graph("server.ts").some((s) => /node_modules\/hono\//.test(s)));
  assert.deepEqual(graph("client.ts").filter((s) => /hono|zod/.test(s)), []);
});
