/**
 * Framing for the process profile's pipes: each message is a 4-byte little-endian length and the
 * message's bytes (from a codec: V8's serializer in practice, see
 * `src/adapter/structured_codec.ts`). What crosses is a copy, as with structured clone: a
 * `transfer` list cannot move memory between processes, so it is copied instead, and a
 * `SharedArrayBuffer` cannot be shared at all, so an input holding one is refused up front.
 *
 * @module
 */

/** Turns values into bytes and back. */
export interface Codec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * One frame: the length, then the bytes.
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./frames.ts";
 * const codec = { encode: (v: unknown) => new TextEncoder().encode(JSON.stringify(v)), decode: () => 0 };
 * console.log(encodeFrame({ t: "ready" }, codec).length); // 18
 * ```
 */
export function encodeFrame(message: unknown, codec: Codec): Uint8Array {
  const body = codec.encode(message);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

/**
 * Reads frames out of a byte stream that arrives in chunks of any size.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameReader } from "./frames.ts";
 * const codec = {
 *   encode: (v: unknown) => new TextEncoder().encode(JSON.stringify(v)),
 *   decode: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)),
 * };
 * const got: unknown[] = [];
 * const reader = new FrameReader(codec, (m) => got.push(m));
 * const bytes = encodeFrame({ t: "ready" }, codec);
 * reader.push(bytes.subarray(0, 3));
 * reader.push(bytes.subarray(3));
 * console.log(got); // [ { t: "ready" } ]
 * ```
 */
export class FrameReader {
  #buffer = new Uint8Array(0);

  constructor(readonly codec: Codec, readonly onFrame: (message: unknown) => void) {}

  /** Bytes waiting for the rest of their frame. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Adds a chunk; calls `onFrame` for each frame it completes, in order. */
  push(chunk: Uint8Array): void {
    let buf = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk);
    let off = 0;
    while (buf.length - off >= 4) {
      const n = new DataView(buf.buffer, buf.byteOffset + off, 4).getUint32(0, true);
      if (buf.length - off - 4 < n) break;
      const body = buf.subarray(off + 4, off + 4 + n);
      off += 4 + n;
      this.onFrame(this.codec.decode(body));
    }
    buf = buf.subarray(off);
    // Keep a copy: the chunk's memory may be reused by the stream once we return.
    this.#buffer = buf.length === 0 ? new Uint8Array(0) : buf.slice();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Where `value` holds a `SharedArrayBuffer` (a path such as `input.rows[2].buffer`), or null.
 * Looks through plain objects, arrays, Maps, Sets and views; memory cannot be shared across
 * processes, and a copy would silently break whatever relies on the sharing.
 *
 * @example
 * ```ts
 * import { findSharedMemory } from "./frames.ts";
 * console.log(findSharedMemory({ a: [new Int32Array(new SharedArrayBuffer(8))] })); // "input.a[0].buffer"
 * ```
 */
export function findSharedMemory(
  value: unknown,
  path = "input",
  seen = new Set<object>(),
): string | null {
  if (typeof value !== "object" || value === null || seen.has(value)) return null;
  seen.add(value);
  if (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer) return path;
  if (ArrayBuffer.isView(value)) {
    return findSharedMemory(value.buffer, `${path}.buffer`, seen);
  }
  if (value instanceof ArrayBuffer) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findSharedMemory(value[i], `${path}[${i}]`, seen);
      if (found) return found;
    }
    return null;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      const found = findSharedMemory(k, `${path}<key>`, seen) ??
        findSharedMemory(v, `${path}.get(${String(k)})`, seen);
      if (found) return found;
    }
    return null;
  }
  if (value instanceof Set) {
    for (const v of value) {
      const found = findSharedMemory(v, `${path}<entry>`, seen);
      if (found) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const found = findSharedMemory((value as Record<string, unknown>)[key], `${path}.${key}`, seen);
    if (found) return found;
  }
  return null;
}
