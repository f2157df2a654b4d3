// The browser build: dist/browser/mod.js (the pool for a page, as one ES module) and
// dist/browser/workers/web_worker.js (the worker entry, self-contained, beside it where
// src/transport/worker_entry_url.browser.ts looks for it).
//
// A page has no `node:` modules and no Deno or Bun globals, so the build swaps each module that
// reaches them for its `.browser.ts` twin (same exports, page behaviour), and fails if any
// `node:` import is still reached. The twins:
//   src/adapter/host_adapter.browser.ts      the browser adapter only (not deno.ts, node_like.ts)
//   src/transport/default_spawn.browser.ts   Web Workers only (not node:worker_threads)
//   src/transport/process_link.browser.ts    isolation: "process" refused (no node:child_process)
//   src/transport/worker_entry_url.browser.ts  new URL("./workers/web_worker.js", import.meta.url)
//
// Usage: node scripts/build_browser.mjs [outdir] [--graph <file>]   (outdir: dist/browser)
//   --graph writes the bundles' import graph as JSON ({ "mod.js": { "<source file>": [imports] },
//   "workers/web_worker.js": … }), which tests/browser/ reads to prove what a page reaches.
import { build } from "esbuild";
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Resolves `./x.ts` to `./x.browser.ts` where such a twin exists; refuses `node:` imports. */
const browserTwins = {
  name: "browser-twins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `${args.path} reached from ${relative(root, args.importer)}` }],
    }));
    b.onResolve({ filter: /^\.{1,2}\/.*\.ts$/ }, (args) => {
      const twin = resolve(dirname(args.importer), args.path.replace(/\.ts$/, ".browser.ts"));
      return existsSync(twin) && twin !== args.importer ? { path: twin } : undefined;
    });
  },
};

/**
 * Builds the browser bundles into `outdir` and returns esbuild's metafiles (the import graph of
 * each bundle: which source files it holds and what each imports).
 *
 * @param {string} outdir
 * @returns {Promise<{ mod: import("esbuild").Metafile, worker: import("esbuild").Metafile }>}
 */
export async function buildBrowser(outdir = join(root, "dist", "browser")) {
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    plugins: [browserTwins],
    legalComments: "inline",
    logLevel: "silent",
    metafile: true,
  };
  const mod = await build({
    ...common,
    entryPoints: [{ in: "mod.ts", out: "mod" }],
    outdir,
  });
  const worker = await build({
    ...common,
    entryPoints: [{ in: "workers/web_worker.ts", out: "workers/web_worker" }],
    outdir,
  });
  return { mod: mod.metafile, worker: worker.metafile };
}

/** Each source file of a bundle with what it imports. */
function graph(metafile) {
  return Object.fromEntries(
    Object.entries(metafile.inputs).map(([file, { imports }]) => [file, imports.map((i) => i.path)]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--graph");
  const graphFile = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const out = args[0] ? resolve(args[0]) : undefined;
  const { mod, worker } = await buildBrowser(out);
  if (graphFile) {
    const json = { "mod.js": graph(mod), "workers/web_worker.js": graph(worker) };
    writeFileSync(graphFile, JSON.stringify(json, null, 2));
  }
  console.error(`workloom: built ${out ?? "dist/browser"}`);
}
