/**
 * Checks on what a caller hands the pool: the task module's URL, and inputs that structured clone
 * would mangle without an error.
 *
 * @module
 */
import { pageBaseUrl } from "../adapter/browser.ts";
import { serializeError } from "../transport/protocol.ts";
import { show } from "../validate.ts";

/**
 * A file path as a `file:` URL, as `pathToFileURL` makes it (the core does not import `node:`):
 * `%`, `#`, `?`, spaces and the like are percent-encoded so that they stay part of the path.
 * Windows drive paths (`C:\\app\\tasks.ts`) become `file:///C:/app/tasks.ts`.
 *
 * @example
 * ```ts
 * import { filePathToUrl } from "./task_input.ts";
 * console.log(filePathToUrl("/app/my tasks #1.ts")); // "file:///app/my%20tasks%20%231.ts"
 * ```
 */
export function filePathToUrl(path: string): string {
  const drive = /^[A-Za-z]:[\\/]/.test(path);
  const posix = drive ? "/" + path.replaceAll("\\", "/") : path;
  const url = new URL("file:///");
  // The pathname setter encodes spaces, '?' and '#', but takes '%' as an escape already made,
  // and on POSIX a backslash is a plain character of a file name.
  url.pathname = posix
    .replaceAll("%", "%25")
    .replaceAll("\\", "%5C")
    .replaceAll("\n", "%0A")
    .replaceAll("\r", "%0D")
    .replaceAll("\t", "%09");
  return url.href;
}

/**
 * The module URL every worker imports, as a string: a URL, or an absolute file path (turned into
 * a `file:` URL). Rejects relative paths, which would resolve against the worker entry instead
 * of the caller. In a page (`base`: the page's address), a path is one the page serves, resolved
 * against the page's address as `fetch()` would.
 *
 * @example
 * ```ts
 * import { resolveModuleUrl } from "./task_input.ts";
 * console.log(resolveModuleUrl(new URL("file:///app/tasks.ts"))); // "file:///app/tasks.ts"
 * console.log(resolveModuleUrl("/app/tasks.ts")); // "file:///app/tasks.ts"
 * ```
 */
export function resolveModuleUrl(
  module: URL | string,
  base: string | undefined = pageBaseUrl(),
): string {
  if (module instanceof URL) return module.href;
  if (typeof module === "string") {
    if (base !== undefined) return new URL(module, base).href;
    if (module.startsWith("/") || /^[A-Za-z]:[\\/]/.test(module)) return filePathToUrl(module);
    try {
      return new URL(module).href;
    } catch {
      throw new TypeError(
        `Cannot create pool as 'module' must be an absolute URL or an absolute file path, such ` +
          `as new URL("./tasks.ts", import.meta.url): current value is ${JSON.stringify(module)}`,
      );
    }
  }
  throw new TypeError(
    `Cannot create pool as 'module' must be a URL or a string: current value is ${String(module)}`,
  );
}

// Class instances with methods arrive in a worker as plain objects without them, which
// structured clone does silently; say so at the call site instead. Only the top level is checked:
// a deep walk would cost more than the hand-off it protects.
const plainPrototypes = new Set<unknown>([Object.prototype, Array.prototype, null]);

/**
 * Throws a `TypeError` naming the task when `input` is a function or a class instance.
 *
 * @example
 * ```ts
 * import { checkCloneable } from "./task_input.ts";
 * checkCloneable("render", { title: "ok" }); // fine
 * ```
 */
export function checkCloneable(name: string, input: unknown): void {
  if (typeof input === "function") {
    throw new TypeError(
      `Cannot send the input of task '${name}' to a worker: functions cannot be cloned`,
    );
  }
  if (typeof input !== "object" || input === null) return;
  const proto = Object.getPrototypeOf(input);
  if (plainPrototypes.has(proto) || ArrayBuffer.isView(input) || input instanceof ArrayBuffer) {
    return;
  }
  if (
    input instanceof Date || input instanceof Map || input instanceof Set || input instanceof RegExp
  ) return;
  if (input instanceof Error || input instanceof Blob) return;
  if (typeof SharedArrayBuffer === "function" && input instanceof SharedArrayBuffer) return;
  const ctor = (proto as { constructor?: { name?: string } }).constructor?.name ?? "unknown";
  throw new TypeError(
    `Cannot send the input of task '${name}' to a worker: it is an instance of class ${ctor}, which ` +
      `structured clone would turn into a plain object without its methods; send plain data instead`,
  );
}

/**
 * The error for an input that `postMessage` refused.
 *
 * @example
 * ```ts
 * import { cloneError } from "./task_input.ts";
 * console.log(cloneError("render", new Error("x")).name); // "DataCloneError"
 * ```
 */
export function cloneError(name: string, error: unknown): Error {
  const e = serializeError(error);
  return Object.assign(
    new TypeError(`Cannot send the input of task '${name}' to a worker (${e.name}): ${e.message}`, {
      cause: error,
    }),
    { name: "DataCloneError" },
  );
}

/**
 * The `transfer` option as an array, checked up front: an array or other iterable (read once) of
 * objects. Throws a `TypeError` naming the task and the option, or the bad entry's index.
 *
 * @example
 * ```ts
 * import { transferList } from "./task_input.ts";
 * const buf = new ArrayBuffer(8);
 * console.log(transferList("render", new Set([buf]))?.length); // 1
 * ```
 */
export function transferList(name: string, transfer: unknown): Transferable[] | undefined {
  if (transfer === undefined) return undefined;
  const iterable = typeof transfer === "object" && transfer !== null &&
    typeof (transfer as Iterable<unknown>)[Symbol.iterator] === "function";
  if (!iterable) {
    throw new TypeError(
      `Cannot run task '${name}' as 'transfer' must be an array of transferable objects: ` +
        `current value is ${show(transfer)}`,
    );
  }
  const list = Array.isArray(transfer) ? transfer : Array.from(transfer as Iterable<unknown>);
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (typeof item !== "object" || item === null || ArrayBuffer.isView(item)) {
      const hint = ArrayBuffer.isView(item) ? " (for a typed array, transfer its .buffer)" : "";
      throw new TypeError(
        `Cannot run task '${name}' as 'transfer[${i}]' must be a transferable object such as an ` +
          `ArrayBuffer or a MessagePort${hint}: current value is ${show(item)}`,
      );
    }
  }
  return list as Transferable[];
}
