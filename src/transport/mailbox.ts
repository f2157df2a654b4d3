/**
 * The shared-memory fast path for one task at a time: a worker with nothing to do watches its
 * mailbox for a moment (it spins; see workers/web_worker.ts) before returning to its event
 * loop, and the pool hands it a task by writing it into shared memory and flipping the state
 * word; the result comes back the same way, read with `Atomics.waitAsync`. This skips two
 * thread wake-ups (about 30 µs each on our VMs), which dominate the round trip of a small task.
 *
 * Only what fits the slots goes this way: a primitive input (number, boolean, null, undefined, or
 * a short string) and, back, a primitive result. Everything else, and every batch, uses messages.
 * This module is the layout and the encoding both sides share; each side keeps its own logic.
 *
 * @module
 */

/** Int32 index of the state word, which both sides change only with compareExchange. */
export const MB_STATE = 0;
/** The worker is running its event loop (or busy): hand nothing, send a message. */
export const AWAKE = 0;
/** The worker watches MB_STATE: the pool may hand it a task. */
export const DOZING = 1;
/** The pool wrote a task into the mailbox. */
export const HANDED = 2;
/**
 * The worker sleeps on MB_STATE (Atomics.wait) after its spin: the pool may hand it a task, as to
 * a dozing one, and must notify to wake it; the reply then takes a thread wake-up, so the pool
 * does not spin for it.
 */
export const SLEEPING = 3;

const REQ_ID = 1;
const REQ_SLOT = 2;
const REQ_NAME_LEN = 3;
const REQ_TAG = 4;
const REQ_STR_LEN = 5;
/** Int32 index the worker bumps (and notifies) when a reply is written. */
export const MB_REPLY_SEQ = 6;
const REPLY_ID = 7;
const REPLY_VIA = 8;
const REPLY_TAG = 9;
const REPLY_STR_LEN = 10;
/** The reply carries the result. */
const VIA_MAILBOX = 0;
/** The result (an error, an object, a promise) comes by message instead. */
const VIA_MESSAGE = 1;
/**
 * Int32 index counting messages the pool posted that the worker has not yet received. A worker
 * must not doze while one is on its way: it would sit out its doze with work waiting.
 */
export const MB_PENDING = 11;

const HEADER_BYTES = 64;
const F64_REQ_NUM = HEADER_BYTES / 8;
const F64_REPLY_NUM = F64_REQ_NUM + 1;
const F64_REPLY_BUSY = F64_REQ_NUM + 2;
const F64_REPLY_RUN = F64_REQ_NUM + 3;
const REQ_BYTES_AT = 128;
const REPLY_BYTES_AT = 2048;
const STRING_ROOM = 1900;
/** Size of one worker's mailbox. */
export const MAILBOX_BYTES = 4096;

const TAG_UNDEFINED = 0;
const TAG_NULL = 1;
const TAG_NUMBER = 2;
const TAG_TRUE = 3;
const TAG_FALSE = 4;
const TAG_STRING = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Browsers refuse to encode into shared memory (Chromium's TextEncoder.encodeInto throws for a
// view over a SharedArrayBuffer); Deno and Bun allow it. Where it is refused, encode into a
// private scratch buffer and copy the bytes in; elsewhere keep the direct write, which is the hot
// path of every hand-off.
const encodesIntoShared = typeof SharedArrayBuffer !== "function" || (() => {
  try {
    encoder.encodeInto("", new Uint8Array(new SharedArrayBuffer(1)));
    return true;
  } catch {
    return false;
  }
})();
const scratch = new Uint8Array(encodesIntoShared ? 0 : Math.max(STRING_ROOM, 128));

/** Writes `text` as UTF-8 into `target` (a view over the mailbox), as much as fits; returns the bytes written. */
function encodeInto(text: string, target: Uint8Array): number {
  if (encodesIntoShared) return encoder.encodeInto(text, target).written;
  const { written } = encoder.encodeInto(text, scratch.subarray(0, target.length));
  target.set(scratch.subarray(0, written));
  return written;
}

/** Views over one mailbox buffer. */
export interface MailboxViews {
  i32: Int32Array;
  f64: Float64Array;
  u8: Uint8Array;
}

/**
 * Views over a mailbox buffer.
 *
 * @example
 * ```ts
 * import { MAILBOX_BYTES, mailboxViews } from "./mailbox.ts";
 * const views = mailboxViews(new SharedArrayBuffer(MAILBOX_BYTES));
 * console.log(views.i32.length); // 1024
 * ```
 */
export function mailboxViews(buffer: SharedArrayBuffer): MailboxViews {
  return { i32: new Int32Array(buffer), f64: new Float64Array(buffer), u8: new Uint8Array(buffer) };
}

/** Encodes `value` at byte `at`; returns its tag and string length, or undefined if it does not fit. */
function put(
  v: MailboxViews,
  f64Index: number,
  at: number,
  value: unknown,
): [number, number] | undefined {
  switch (typeof value) {
    case "undefined":
      return [TAG_UNDEFINED, 0];
    case "number":
      v.f64[f64Index] = value;
      return [TAG_NUMBER, 0];
    case "boolean":
      return [value ? TAG_TRUE : TAG_FALSE, 0];
    case "string": {
      if (value.length > STRING_ROOM / 3) return undefined; // UTF-8 takes at most 3 bytes a unit
      return [TAG_STRING, encodeInto(value, v.u8.subarray(at, at + STRING_ROOM))];
    }
    case "object":
      return value === null ? [TAG_NULL, 0] : undefined;
    default:
      return undefined;
  }
}

function get(v: MailboxViews, tag: number, f64Index: number, at: number, length: number): unknown {
  switch (tag) {
    case TAG_NUMBER:
      return v.f64[f64Index];
    case TAG_TRUE:
      return true;
    case TAG_FALSE:
      return false;
    case TAG_NULL:
      return null;
    case TAG_STRING:
      // TextDecoder will not read a view over shared memory: copy the bytes out first.
      return decoder.decode(v.u8.slice(at, at + length));
    default:
      return undefined;
  }
}

/**
 * True when `value` can travel through the mailbox.
 *
 * @example
 * ```ts
 * import { fitsMailbox } from "./mailbox.ts";
 * console.log(fitsMailbox(42), fitsMailbox({ a: 1 })); // true false
 * ```
 */
export function fitsMailbox(value: unknown): boolean {
  const t = typeof value;
  return t === "number" || t === "boolean" || t === "undefined" || value === null ||
    (t === "string" && (value as string).length <= STRING_ROOM / 3);
}

/** Pool side: writes a task into the mailbox (the caller then claims the state). False if it does not fit. */
export function writeRequest(
  v: MailboxViews,
  id: number,
  slot: number,
  name: string,
  input: unknown,
): boolean {
  const nameBytes = encodeInto(name, v.u8.subarray(REQ_BYTES_AT, REQ_BYTES_AT + 128));
  if (nameBytes >= 128) return false;
  const enc = put(v, F64_REQ_NUM, REQ_BYTES_AT + 128, input);
  if (!enc) return false;
  v.i32[REQ_ID] = id;
  v.i32[REQ_SLOT] = slot;
  v.i32[REQ_NAME_LEN] = nameBytes;
  v.i32[REQ_TAG] = enc[0];
  v.i32[REQ_STR_LEN] = enc[1];
  return true;
}

/** Worker side: reads the task the pool handed over. */
export function readRequest(
  v: MailboxViews,
): { id: number; slot: number; name: string; input: unknown } {
  const name = decoder.decode(v.u8.slice(REQ_BYTES_AT, REQ_BYTES_AT + v.i32[REQ_NAME_LEN]));
  const input = get(v, v.i32[REQ_TAG], F64_REQ_NUM, REQ_BYTES_AT + 128, v.i32[REQ_STR_LEN]);
  return { id: v.i32[REQ_ID], slot: v.i32[REQ_SLOT], name, input };
}

/**
 * Worker side: publishes the reply to task `id` and wakes the pool. With `result` undefined-or-
 * not-fitting (`viaMessage`), the reply only says that the result comes by message.
 */
export function writeReply(
  v: MailboxViews,
  id: number,
  reply: { value: unknown; busyMs: number; runMs: number } | null,
): void {
  const enc = reply ? put(v, F64_REPLY_NUM, REPLY_BYTES_AT, reply.value) : undefined;
  v.i32[REPLY_ID] = id;
  v.i32[REPLY_VIA] = enc ? VIA_MAILBOX : VIA_MESSAGE;
  if (enc && reply) {
    v.i32[REPLY_TAG] = enc[0];
    v.i32[REPLY_STR_LEN] = enc[1];
    v.f64[F64_REPLY_BUSY] = reply.busyMs;
    v.f64[F64_REPLY_RUN] = reply.runMs;
  }
  // The add publishes the fields above (Atomics are sequentially consistent) and the notify wakes
  // the pool's waitAsync.
  Atomics.add(v.i32, MB_REPLY_SEQ, 1);
  Atomics.notify(v.i32, MB_REPLY_SEQ);
}

/** Pool side: reads a reply; `value` is absent when the result comes by message. */
export function readReply(
  v: MailboxViews,
): { id: number; viaMessage: true } | {
  id: number;
  viaMessage: false;
  value: unknown;
  busyMs: number;
  runMs: number;
} {
  const id = v.i32[REPLY_ID];
  if (v.i32[REPLY_VIA] === VIA_MESSAGE) return { id, viaMessage: true };
  return {
    id,
    viaMessage: false,
    value: get(v, v.i32[REPLY_TAG], F64_REPLY_NUM, REPLY_BYTES_AT, v.i32[REPLY_STR_LEN]),
    busyMs: v.f64[F64_REPLY_BUSY],
    runMs: v.f64[F64_REPLY_RUN],
  };
}
