/**
 * The browser build's twin of `worker_entry_url.ts` (see `scripts/build_browser.mjs`). The page
 * loads `dist/browser/mod.js` (or a bundle of the app that includes it), and the worker entry is
 * `workers/web_worker.js` beside that file. The URL is written as a literal
 * `new URL("./workers/web_worker.js", import.meta.url)` on purpose: Vite (and Rollup, webpack and
 * Parcel) recognise that form when they bundle a package and emit the file with the bundle,
 * whereas a computed path would leave the worker entry behind. esbuild leaves the form alone: give
 * it the worker entry as an entry point named `workers/web_worker` (docs/browser.md).
 *
 * @module
 */

/**
 * The worker entry's URL, beside the module that holds this code.
 *
 * @example
 * ```ts ignore
 * import { workerEntryUrl } from "./worker_entry_url.browser.ts";
 * console.log(workerEntryUrl("web_worker").pathname); // "/…/workers/web_worker.js"
 * ```
 */
export function workerEntryUrl(_name: "web_worker" | "node_worker"): URL {
  return new URL("./workers/web_worker.js", import.meta.url);
}
