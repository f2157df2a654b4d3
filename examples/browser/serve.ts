/**
 * Serves the example page from loopback: `node scripts/build_browser.mjs` (once), then
 * `deno run --allow-net --allow-read examples/browser/serve.ts [--isolated]` or
 * `bun examples/browser/serve.ts [--isolated]`, and open the printed address. With `--isolated`
 * every answer carries the cross-origin isolation headers (COOP `same-origin`, COEP
 * `require-corp`), so the page may share memory with its workers.
 *
 * A path is looked up in each root folder in turn; `/workloom/…` is the browser build. The tests
 * serve the esbuild and Vite bundles of the same app with it (tests/browser/).
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { runtime } from "../../src/adapter/runtime.ts";
import { type HttpServer, serveHttp } from "../../src/adapter/serve.ts";

/** Options of {@linkcode serveExample}. */
export interface ExampleServerOptions {
  /** Folders a path is looked up in, first match wins. @default {[this folder]} */
  roots?: string[];
  /** The folder served at `/workloom/`: the browser build. @default {"dist/browser" of this repository} */
  build?: string;
  /** Send COOP `same-origin` and COEP `require-corp` with every answer. @default {false} */
  isolated?: boolean;
  /** The port; 0 picks a free one. @default {0} */
  port?: number;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
};

/** The file under `dir` that `path` names, or undefined (missing, a folder, or outside `dir`). */
function find(dir: string, path: string): string | undefined {
  const file = normalize(join(dir, path));
  if (!file.startsWith(normalize(dir + sep))) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a static server for the example page on 127.0.0.1.
 *
 * @example
 * ```ts ignore
 * const server = serveExample({ isolated: true });
 * console.log(`http://127.0.0.1:${server.port}/`);
 * await server.close();
 * ```
 */
export function serveExample(options: ExampleServerOptions = {}): HttpServer {
  const roots = options.roots ?? [here];
  const build = options.build ?? fileURLToPath(new URL("../../dist/browser/", import.meta.url));
  const headers: Record<string, string> = options.isolated
    ? {
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    }
    : {};
  return serveHttp((request) => {
    let path = decodeURIComponent(new URL(request.url).pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = path.startsWith("/workloom/")
      ? find(build, path.slice("/workloom/".length))
      : roots.map((root) => find(root, path)).find((f) => f !== undefined);
    if (file === undefined) return new Response("not found\n", { status: 404, headers });
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    return new Response(readFileSync(file), {
      headers: { ...headers, "content-type": type, "cache-control": "no-store" },
    });
  }, { port: options.port ?? 0, hostname: "127.0.0.1" });
}

if (import.meta.main) {
  const isolated = runtime.args().includes("--isolated");
  const server = serveExample({ isolated, port: 8000 });
  console.log(
    `workloom example: http://127.0.0.1:${server.port}/ (${
      isolated ? "cross-origin isolated" : "not isolated"
    }; Ctrl-C stops)`,
  );
}
