/**
 * Where a worker entry lives. From source, `workers/<name>.ts` two folders up. In the built
 * package (see scripts/build.mjs) every bundle and chunk sits at the top of `dist/`, beside
 * `dist/workers/<name>.js`: pick the layout this module itself was loaded from. Bundlers leave
 * `new URL("…", import.meta.url)` alone, so the path is computed here at run time.
 *
 * @example
 * ```ts
 * import { workerEntryUrl } from "./worker_entry_url.ts";
 * console.log(workerEntryUrl("web_worker").pathname.endsWith("web_worker.ts")); // true from source
 * ```
 */
export function workerEntryUrl(name: "web_worker" | "node_worker"): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL(`../../workers/${name}.ts`, import.meta.url)
    : new URL(`./workers/${name}.js`, import.meta.url);
}
