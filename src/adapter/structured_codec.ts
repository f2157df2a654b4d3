/**
 * Bytes for values that cross a process boundary: V8's serializer (`node:v8`), which Deno, Bun
 * and Node all provide. It carries what structured clone carries (Map, Set, Date, typed arrays,
 * BigInt, undefined, cycles), unlike JSON; each runtime only ever reads its own bytes, since the
 * pool and its children run on the same runtime.
 *
 * @module
 */
import v8 from "node:v8";

/**
 * Serializes `value`; throws for what structured clone refuses (functions, symbols, …).
 *
 * @example
 * ```ts
 * import { decodeValue, encodeValue } from "./structured_codec.ts";
 * console.log(decodeValue(encodeValue(new Map([[1, 2]])))); // Map(1) { 1 => 2 }
 * ```
 */
export function encodeValue(value: unknown): Uint8Array {
  return v8.serialize(value);
}

/**
 * Reads bytes made by `encodeValue`.
 *
 * @example
 * ```ts
 * import { decodeValue, encodeValue } from "./structured_codec.ts";
 * console.log(decodeValue(encodeValue({ a: 1 }))); // { a: 1 }
 * ```
 */
export function decodeValue(bytes: Uint8Array): unknown {
  return v8.deserialize(bytes);
}
