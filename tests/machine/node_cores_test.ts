// Node 20 has no navigator.hardwareConcurrency: off Linux (no affinity, no cgroup), the cores
// figure would be 1. The runtime's own count, os.availableParallelism(), stands in. Deno and Bun
// both have navigator, so it is taken away here for the length of each test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { detectCores } from "../../src/machine/cores.ts";
import { createNodeLikeAdapter } from "../../src/adapter/node_like.ts";

/** Runs `fn` with no navigator, as on Node 20; puts it back after. */
function withoutNavigator<T>(fn: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  Object.defineProperty(globalThis, "navigator", { value: undefined, configurable: true });
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(globalThis, "navigator", saved);
  }
}

// Off Linux: no /proc, no cgroup files.
const nothing = () => ({ ok: false as const, reason: "missing" as const });

test("without navigator, the cores come from os.availableParallelism(), and the reason says so", () => {
  // Node's adapter (the one Node 20 runs with) reads node:os, which Deno and Bun have too.
  const node = createNodeLikeAdapter("node", "20.20.2");
  assert.equal(node.availableParallelism?.(), availableParallelism());
  const cores = withoutNavigator(() =>
    detectCores({ readTextFile: nothing, availableParallelism: () => 3 })
  );
  assert.equal(cores.hardware, 3);
  assert.equal(cores.effective, 3);
  assert.equal(cores.details.hardware, "os.availableParallelism()");
  assert.match(cores.reason, new RegExp(`^os\\.availableParallelism\\(\\) ${cores.hardware} `));
});

test("with navigator, its count is used and named as before", () => {
  const cores = detectCores({ readTextFile: nothing, availableParallelism: () => 3 });
  assert.equal(cores.details.hardware, "navigator.hardwareConcurrency");
  assert.equal(cores.hardware, navigator.hardwareConcurrency);
});
