/**
 * The guards of `workloom serve` that keep an operator safe: where the token comes from (a file
 * or the environment rather than the command line), which host names are answered, the warnings
 * printed at start, the permissions task processes get, and errors described for the log.
 *
 * @module
 */
import { grantedDenoPermissions } from "../adapter/serve.ts";
import { runtime } from "../adapter/runtime.ts";
import type { ReadResult, RuntimeKey } from "../adapter/types.ts";

/**
 * The token from --token-file, --token or WORKLOOM_TOKEN (one of the two flags at most), and
 * where it came from. Throws `TypeError` naming the flag; never shows the file's content.
 *
 * @example
 * ```ts
 * import { readToken } from "./serve_guards.ts";
 * console.log(readToken({ token: "t" }, () => undefined, () => ({ ok: false, reason: "missing" })));
 * // { token: "t", tokenFrom: "flag" }
 * ```
 */
export function readToken(
  values: { token?: string; "token-file"?: string },
  env: (name: string) => string | undefined,
  readFile: (path: string) => ReadResult,
): { token?: string; tokenFrom?: "flag" | "file" | "env" } {
  const path = values["token-file"];
  if (path !== undefined && values.token !== undefined) {
    throw new TypeError("Pass --token-file or --token, not both");
  }
  let token: string | undefined;
  let tokenFrom: "flag" | "file" | "env" | undefined;
  if (path !== undefined) {
    const read = readFile(path);
    if (!read.ok) {
      throw new TypeError(`--token-file ${JSON.stringify(path)} cannot be read (${read.reason})`);
    }
    // The file's content is never shown, even in this error: it is the secret.
    token = read.text.trim();
    tokenFrom = "file";
    if (!/^\S+$/.test(token)) {
      throw new TypeError(
        `--token-file ${JSON.stringify(path)} must hold one token without spaces`,
      );
    }
  } else if (values.token !== undefined) {
    [token, tokenFrom] = [values.token, "flag"];
  } else if (env("WORKLOOM_TOKEN")) {
    [token, tokenFrom] = [env("WORKLOOM_TOKEN"), "env"];
  }
  if (token !== undefined && !/^\S+$/.test(token)) {
    throw new TypeError("--token (or WORKLOOM_TOKEN) must be a non-empty string without spaces");
  }
  return { token, tokenFrom };
}

/**
 * `--allowed-hosts a,b`: names or addresses, without ports. Throws `TypeError` naming the flag.
 *
 * @example
 * ```ts
 * import { hostList } from "./serve_guards.ts";
 * console.log(hostList("jobs.internal, 10.0.0.5")); // ["jobs.internal", "10.0.0.5"]
 * ```
 */
export function hostList(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = text.split(",").map((n) => n.trim()).filter((n) => n !== "");
  for (const name of names) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9._-]+|[0-9a-f:.]+)$/i.test(name)) {
      throw new TypeError(
        `--allowed-hosts must list host names or addresses without ports: got ${
          JSON.stringify(name)
        }`,
      );
    }
  }
  return names;
}

/**
 * The warnings `workloom serve` prints before starting, for settings that work but carry a risk.
 *
 * @example
 * ```ts
 * import { serveWarnings } from "./serve_guards.ts";
 * console.log(serveWarnings({ isolation: "thread" }, "deno").length); // 1
 * console.log(serveWarnings({ webhookSecretFrom: "flag", isolation: "process" })[0]);
 * // "--webhook-secret puts the webhook secrets on the command line, …"
 * ```
 */
export function serveWarnings(
  s: {
    tokenFrom?: "flag" | "file" | "env";
    webhookSecretFrom?: "flag" | "env";
    isolation: "thread" | "process";
  },
  key: RuntimeKey = runtime.key,
): string[] {
  const warnings: string[] = [];
  if (s.tokenFrom === "flag") {
    warnings.push(
      "--token puts the token on the command line, where anyone on this machine can read it " +
        "(ps, /proc); use --token-file <path> or WORKLOOM_TOKEN instead",
    );
  }
  if (s.webhookSecretFrom === "flag") {
    warnings.push(
      "--webhook-secret puts the webhook secrets on the command line, where anyone on this " +
        "machine can read them (ps, /proc) and sign webhooks your receivers trust; set " +
        "WORKLOOM_WEBHOOK_SECRET instead",
    );
  }
  if (s.isolation === "thread" && key === "deno") {
    warnings.push(
      "--isolation thread on Deno: a task that never yields keeps its core after its job times " +
        "out or is cancelled (Deno cannot stop a spinning Web Worker), until the process exits; " +
        "use --isolation process (the default on Deno) unless every task yields",
    );
  }
  return warnings;
}

/**
 * Deno permissions for the task processes: those the server has in full, and at least reading
 * the task module; `undefined` off Deno.
 *
 * @example
 * ```ts ignore
 * import { childPermissions } from "./serve_guards.ts";
 * console.log(childPermissions(new URL("file:///srv/tasks.ts")));
 * ```
 */
export function childPermissions(moduleUrl: URL): string[] | undefined {
  const granted = grantedDenoPermissions();
  if (granted === undefined) return undefined;
  if (!granted.includes("--allow-read") && moduleUrl.protocol === "file:") {
    granted.push(`--allow-read=${decodeURIComponent(moduleUrl.pathname)}`);
  }
  return granted;
}

/**
 * An error for the log: its stack (or message), and its causes' messages.
 *
 * @example
 * ```ts
 * import { describe } from "./serve_guards.ts";
 * console.log(describe(new Error("outer", { cause: new Error("inner") })).includes("inner")); // true
 * ```
 */
export function describe(e: unknown): string {
  let text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  for (let c = (e as { cause?: unknown })?.cause, i = 0; c !== undefined && i < 5; i++) {
    text += `\n  caused by: ${c instanceof Error ? `${c.name}: ${c.message}` : String(c)}`;
    c = (c as { cause?: unknown })?.cause;
  }
  return text;
}

/**
 * Why this runtime cannot load the task module `tasks`, or `undefined` when it can: Node loads a
 * `.ts` module only where it strips types (`process.features.typescript`, Node 22.6+ with
 * `--experimental-strip-types`, 23.6+ by default). Said before the pool starts, with what to run
 * instead, rather than as `ERR_UNKNOWN_FILE_EXTENSION` from a worker.
 *
 * @example
 * ```ts
 * import { typeScriptRefusal } from "./serve_guards.ts";
 * console.log(typeScriptRefusal("tasks.mjs", "node")); // undefined
 * ```
 */
export function typeScriptRefusal(
  tasks: string,
  key: RuntimeKey = runtime.key,
  stripsTypes: boolean = Boolean(
    (globalThis as { process?: { features?: { typescript?: unknown } } }).process?.features
      ?.typescript,
  ),
): string | undefined {
  if (key !== "node" || stripsTypes || !/\.[mc]?tsx?$/.test(tasks)) return undefined;
  return `Node ${runtime.version} cannot load the TypeScript module ${tasks}: run it on Bun ` +
    `(bunx workloom serve --tasks ${tasks}) or Deno, compile it to .mjs or .js, or use a Node ` +
    "that strips types (23.6 or later)";
}
