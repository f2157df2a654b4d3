/**
 * Where a worker entry lives (a thread's entry, or the process profile's child shell). From
 * source, `workers/<name>.ts` two folders up. In the built package (see scripts/build.mjs)
 * every bundle and chunk sits at the top of `dist/`, beside `dist/workers/<name>.js`: pick the
 * layout this module itself was loaded from. Bundlers leave `new URL("…", import.meta.url)`
 * alone, so the path is computed here at run time.
 *
 * In an executable made by `bun build --compile`, every module is embedded under
 * `/$bunfs/root/` (`B:/~BUN/root/` on Windows), named by its path from the project root, and the
 * bundle is named after the executable: the entry is then where `npm install` put it,
 * `node_modules/workloom/dist/workers/<name>.js`, given to `bun build --compile` as an extra
 * entry point from the project root.
 *
 * @example
 * ```ts
 * import { workerEntryUrl } from "./worker_entry_url.ts";
 * console.log(workerEntryUrl("web_worker").pathname.endsWith("web_worker.ts")); // true from source
 * ```
 */
export function workerEntryUrl(name: "web_worker" | "node_worker" | "process_worker"): URL {
  const url = import.meta.url;
  const compiled = /^file:\/\/\/(?:\$bunfs|B:\/~BUN)\/root\//.exec(url);
  if (compiled) return new URL(`./node_modules/workloom/dist/workers/${name}.js`, compiled[0]);
  return url.endsWith(".ts")
    ? new URL(`../../workers/${name}.ts`, url)
    : new URL(`./workers/${name}.js`, url);
}
