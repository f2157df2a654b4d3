/**
 * What a webhook URL must be, checked when a job names it and again before each attempt.
 *
 * @module
 */

/**
 * Why `url` cannot be a webhook target (scheme, credentials), or `undefined` when it can.
 *
 * @example
 * ```ts
 * import { urlProblem } from "./webhook_url.ts";
 * console.log(urlProblem("ftp://example.com/")); // "the scheme must be http or https"
 * ```
 */
export function urlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "it is not a URL";
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return "the scheme must be http or https";
  if (u.username !== "" || u.password !== "") return "it must not carry a user name or password";
  return undefined;
}
