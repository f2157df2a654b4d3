// The npm build: ESM JavaScript and .d.ts types in dist/, from the same sources JSR publishes.
//
//   dist/mod.js, server.js, client.js (and every other subpath in jsr.json's exports), with
//     their shared code split into dist/chunk-*.js beside them, so that a Pool made through
//     ./server is the Pool of the root entry;
//   dist/cli.js: the `workloom` bin;
//   dist/workers/web_worker.js, node_worker.js, process_worker.js: the worker entries (threads)
//     and the process profile's child shell, self-contained, found at run
//     time by src/transport/worker_entry_url.ts as new URL("./workers/…js", import.meta.url) from
//     a bundle at the top of dist/, which is why every bundle and chunk sits there;
//   dist/examples/tasks.js: the demo's task module;
//   dist/browser/mod.js, dist/browser/workers/web_worker.js: the pool for a page (the "browser"
//     condition of the root export; scripts/build_browser.mjs);
//   dist/**/*.d.ts: declarations from tsc, with their import specifiers rewritten to .js.
//
// Packages stay external (hono, zod and the Redis client are optional peers, resolved from the
// user's node_modules and imported only by the subpaths that need them), except
// eventsource-parser, which is bundled into the client so that nothing needs installing for it.
//
// Usage: node scripts/build.mjs
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBrowser } from "./build_browser.mjs";
import { bin, ensureDeps, root } from "./ensure_deps.mjs";

const dist = join(root, "dist");

/** Marks every package import external but those we bundle. */
const externalPackages = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      if (args.path.startsWith("eventsource-parser")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const common = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  outbase: root,
  plugins: [externalPackages],
  legalComments: "inline",
  logLevel: "warning",
};

/** The library entries: every export of jsr.json, named after its file (./mod.ts → mod.js). */
function libraryEntries() {
  const { exports } = JSON.parse(readFileSync(join(root, "jsr.json"), "utf8"));
  return Object.values(exports).map((p) => p.replace(/^\.\//, ""));
}

/**
 * Each JSR export must also be a tsc root (tsconfig.build.json) and an npm export with types
 * (package.json): a subpath added to jsr.json alone would ship without them.
 */
function checkEntriesAgree() {
  const read = (f) => JSON.parse(readFileSync(join(root, f), "utf8"));
  const roots = read("tsconfig.build.json").files;
  const npm = read("package.json").exports;
  for (const [subpath, file] of Object.entries(read("jsr.json").exports)) {
    const name = file.replace(/^\.\//, "").replace(/\.ts$/, "");
    if (!roots.includes(`${name}.ts`)) {
      throw new Error(`tsconfig.build.json's files lack ${name}.ts, exported by jsr.json`);
    }
    // The root export also has a browser build (scripts/build_browser.mjs), which bundlers
    // targeting browsers pick by the "browser" condition.
    const browser = subpath === "." ? { browser: "./dist/browser/mod.js" } : {};
    const want = { types: `./dist/${name}.d.ts`, ...browser, default: `./dist/${name}.js` };
    if (JSON.stringify(npm[subpath]) !== JSON.stringify(want)) {
      throw new Error(`package.json's exports["${subpath}"] should be ${JSON.stringify(want)}`);
    }
  }
}

function declarations() {
  const r = spawnSync(bin("tsc"), ["-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) throw new Error(`tsc (declarations) failed with exit code ${r.status}`);
  // tsc keeps our .ts specifiers in declarations; published .d.ts files sit beside .js names.
  const spec = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g;
  for (const file of walk(dist)) {
    if (!file.endsWith(".d.ts")) continue;
    const text = readFileSync(file, "utf8");
    const out = text.replace(spec, "$1$2.js$3");
    if (out !== text) writeFileSync(file, out);
  }
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** Builds dist/ from scratch. */
export async function buildPackage() {
  ensureDeps();
  checkEntriesAgree();
  rmSync(dist, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: [...libraryEntries(), { in: "src/cli/bin.ts", out: "cli" }],
    outdir: dist,
    splitting: true,
    chunkNames: "chunk-[hash]",
  });
  // Each worker entry is one file with no chunk: it starts a fresh isolate, shares nothing with
  // the bundles, and `bun build --compile` can take it as one extra entry point.
  await build({
    ...common,
    entryPoints: [
      "workers/web_worker.ts",
      "workers/node_worker.ts",
      "workers/process_worker.ts",
      "examples/tasks.ts",
    ],
    outdir: dist,
  });
  // The pool for a page: dist/browser/mod.js and its worker entry (see build_browser.mjs).
  await buildBrowser(join(dist, "browser"));
  const cli = join(dist, "cli.js");
  writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, "utf8")}`);
  declarations();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildPackage();
  console.error("workloom: built dist/");
}
