/**
 * Keeping secrets out of output: a connection URL is shown with its password replaced by `***`,
 * and any text about to be printed can be scrubbed of the secrets a process holds (the Redis
 * password, the bearer token), wherever a library put them into a message.
 *
 * @module
 */

/** What a secret is replaced with. */
export const MASK = "***";

/**
 * `url` with its password masked: `redis://:pw@host` → `redis://:***@host`. A string that is not
 * a URL comes back masked after the scheme's `//…@`, so that nothing is shown by mistake.
 *
 * @example
 * ```ts
 * import { redactUrl } from "./redact.ts";
 * console.log(redactUrl("redis://user:pw@10.0.0.1:6379/2")); // redis://user:***@10.0.0.1:6379/2
 * ```
 */
export function redactUrl(url: string): string {
  // Done on the text rather than through `URL`, which would re-encode or normalise the rest.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, `$1${MASK}@`);
}

/**
 * The secrets a Redis URL carries: its password, as typed and decoded (a client may print
 * either). Empty when it has none.
 *
 * @example
 * ```ts
 * import { urlSecrets } from "./redact.ts";
 * console.log(urlSecrets("redis://:p%40ss@host")); // ["p%40ss", "p@ss"]
 * ```
 */
export function urlSecrets(url: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:@/]*:([^@/]*)@/i.exec(url);
  if (!m || m[1] === "") return [];
  let decoded = m[1];
  try {
    decoded = decodeURIComponent(m[1]);
  } catch {
    // A malformed escape: the text as typed is the only form there is.
  }
  return decoded === m[1] ? [m[1]] : [m[1], decoded];
}

/** Secrets shorter than this are not masked: "ab" would mask every word that contains it. */
const MIN_SECRET = 4;

/**
 * Returns a function that replaces every occurrence of each secret (of at least 4 characters) in
 * a text with `***`.
 *
 * @example
 * ```ts
 * import { scrubber } from "./redact.ts";
 * const scrub = scrubber(["hunter2"]);
 * console.log(scrub("auth failed for hunter2")); // auth failed for ***
 * ```
 */
export function scrubber(secrets: readonly (string | undefined)[]): (text: string) => string {
  // Longest first, so that a secret containing another is masked whole.
  const list = [...new Set(secrets.filter((s): s is string => !!s && s.length >= MIN_SECRET))].sort(
    (a, b) => b.length - a.length,
  );
  if (list.length === 0) return (text) => text;
  return (text) => {
    for (const s of list) text = text.split(s).join(MASK);
    return text;
  };
}
