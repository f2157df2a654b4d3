/**
 * Tables keyed by task or stage name hold arbitrary strings: a task may be called `constructor`
 * or `__proto__`. A plain object would answer those from `Object.prototype` (and assigning
 * `__proto__` would replace its prototype), so reads go through {@linkcode ownValue} and tables
 * are built with `Object.fromEntries` or a `Map`, which define own properties.
 *
 * @module
 */

/**
 * `table[key]` if `key` is an own property of `table`, else `undefined`.
 *
 * @example
 * ```ts
 * import { ownValue } from "./own_keys.ts";
 * console.log(ownValue({ render: 1 }, "render"), ownValue({ render: 1 }, "constructor")); // 1 undefined
 * ```
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
