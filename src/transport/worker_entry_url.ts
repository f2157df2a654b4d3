/**
 * Where the worker entry lives. Bundlers leave `new URL("…", import.meta.url)` alone, so the built
 * package ships `web_worker.js` beside a `.js` copy of this file while the source tree has `.ts`:
 * pick the extension this module itself was loaded with.
 *
 * @example
 * ```ts
 * import { workerEntryUrl } from "./worker_entry_url.ts";
 * console.log(workerEntryUrl().pathname.endsWith("web_worker.ts")); // true from source
 * ```
 */
export function workerEntryUrl(): URL {
  const ext = import.meta.url.endsWith(".js") ? "js" : "ts";
  return new URL(`../../workers/web_worker.${ext}`, import.meta.url);
}
