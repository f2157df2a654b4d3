/**
 * SHA-256 fed piece by piece, synchronously. `node:crypto`'s `createHash` does it on Deno, Bun
 * and Node alike; Web Crypto's `crypto.subtle.digest` is one-shot and async, so a caller hashing
 * a large value would first have to build its whole text (twice the payload held) and could not
 * answer in the same turn. Not part of the browser build (the job layer is server-side).
 *
 * @module
 */
import { createHash } from "node:crypto";

/** An SHA-256 in progress: `update` with each piece of text (UTF-8), then `digest` once. */
export interface Sha256 {
  update(text: string): void;
  digest(encoding: "base64url" | "hex"): string;
}

/**
 * A new SHA-256 hash.
 *
 * @example
 * ```ts
 * import { sha256 } from "./sha256.ts";
 * const hash = sha256();
 * hash.update("ab");
 * hash.update("c");
 * console.log(hash.digest("hex")); // "ba7816bf…15ad"
 * ```
 */
export function sha256(): Sha256 {
  const hash = createHash("sha256");
  return {
    update(text) {
      hash.update(text);
    },
    digest(encoding) {
      return hash.digest(encoding);
    },
  };
}
