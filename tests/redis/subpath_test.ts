import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = decodeURIComponent(new URL("../..", import.meta.url).pathname);

interface Module {
  specifier: string;
  dependencies?: { specifier: string; isDynamic?: boolean }[];
}

/** Every module an entry file may load (dynamic imports included), from `deno info`. */
function modules(entry: string): Module[] {
  const r = spawnSync(`${root}node_modules/.bin/deno`, ["info", "--json", entry], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).modules;
}

const graph = (entry: string) => modules(entry).map((m) => m.specifier);

const redisClient = (s: string) => /node_modules\/(@redis|redis)\//.test(s);

test("only the redis subpath loads the Redis client: mod.ts, server.ts and client.ts do not", () => {
  for (const entry of ["mod.ts", "server.ts", "client.ts"]) {
    assert.deepEqual(graph(entry).filter(redisClient), [], entry);
  }
  assert.ok(graph("redis.ts").some(redisClient));
});

test("workloom serve reaches the redis subpath only through a dynamic import (for --queue)", () => {
  const edges = modules("src/cli/cli.ts").flatMap((m) =>
    (m.dependencies ?? []).filter((d) => /(^|\/)redis\.ts$/.test(d.specifier)).map((d) => ({
      from: m.specifier,
      dynamic: d.isDynamic === true,
    }))
  );
  assert.ok(edges.length > 0);
  assert.ok(edges.every((e) => e.dynamic), JSON.stringify(edges));
});
