/**
 * The package's version, as `workloom --version` prints it. A constant rather than a read of
 * `package.json`: the command must answer without file access (Deno without `--allow-read`) and
 * from the JSR package, which has no `package.json`. A test keeps it equal to `package.json`'s
 * and `jsr.json`'s, and the package step to what the installed bin prints.
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(VERSION); // "0.1.0"
 * ```
 *
 * @module
 */
export const VERSION = "0.1.0";
