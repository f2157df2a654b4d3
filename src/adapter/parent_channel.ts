/**
 * The child side of the process profile's channel: frames arrive on stdin and leave on stdout.
 * Frames are written synchronously, so that once `write` returns the bytes are in the pipe: a
 * child killed the next instant (kill -9, the OOM killer) has still told its parent which tasks it
 * had started. Anything a task prints to stdout would corrupt the frames, so `console.log` and
 * `process.stdout.write` are sent to stderr instead.
 *
 * @module
 */
import { writeSync } from "node:fs";
import process from "node:process";

interface DenoStd {
  stdout: { writeSync(bytes: Uint8Array): number };
  stderr: { writeSync(bytes: Uint8Array): number };
  exit(code: number): never;
}

/** The child's side of its channel to the pool. */
export interface ParentChannel {
  /** Writes bytes to the parent, all of them, before returning. */
  write(bytes: Uint8Array): void;
  /** Ends this process with `code`. */
  exit(code: number): never;
}

function writeAll(write: (bytes: Uint8Array) => number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += write(off === 0 ? bytes : bytes.subarray(off));
    } catch (e) {
      // A non-blocking pipe that is full: wait for the parent to read, then go on.
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
    }
  }
}

/**
 * Opens the channel: calls `onData` with each chunk from stdin, `onEnd` when stdin ends (the pool
 * closed it, or died), and moves task output off stdout.
 *
 * @example
 * ```ts ignore
 * import { openParentChannel } from "./parent_channel.ts";
 * const channel = openParentChannel((chunk) => reader.push(chunk), () => channel.exit(0));
 * ```
 */
export function openParentChannel(
  onData: (chunk: Uint8Array) => void,
  onEnd: () => void,
): ParentChannel {
  const D = (globalThis as unknown as { Deno?: DenoStd }).Deno;
  // Bound now: the names are pointed at stderr below.
  const raw = D
    ? D.stdout.writeSync.bind(D.stdout)
    : (b: Uint8Array) => writeSync(1, b, 0, b.length);
  // Task output goes to stderr: stdout carries frames only.
  for (const level of ["log", "info", "debug", "trace", "dir", "table"] as const) {
    (console as unknown as Record<string, unknown>)[level] = console.error;
  }
  const toStderr = (chunk: unknown, ...rest: unknown[]) =>
    (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest);
  (process.stdout as unknown as { write: unknown }).write = toStderr;
  if (D) D.stdout.writeSync = (b: Uint8Array) => D.stderr.writeSync(b);
  process.stdin.on("data", (chunk: Uint8Array) => onData(chunk));
  process.stdin.on("end", onEnd);
  return {
    write: (bytes) => writeAll(raw, bytes),
    exit: (code) => (D ? D.exit(code) : process.exit(code)),
  };
}
