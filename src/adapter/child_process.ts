/**
 * Child processes for the process profile, parent side: how to start the runtime that runs us on
 * a worker shell (Deno with explicit permission flags and V8's heap cap; Bun, which has neither;
 * Node with the heap cap), and a small handle over the child (pid, framed bytes in, bytes out,
 * kill, its end). `node:child_process` is what works on all three: Deno implements it over
 * `Deno.Command`, and one code path is easier to trust than three.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** How to start a child running `shell`. */
export interface ChildCommandOptions {
  /** Deno's permission flags for the child (ignored elsewhere). */
  denoFlags: string[];
  /** V8's old-space cap in MB (`--max-old-space-size`); 0: none. Bun has no such cap. */
  maxHeapMb: number;
}

/** A started child process. */
export interface ChildHandle {
  readonly pid: number | null;
  /** Writes bytes to the child's stdin (in order). */
  write(bytes: Uint8Array): void;
  /** Sends `signal` to the child; false when it is already gone. */
  kill(signal: "SIGTERM" | "SIGKILL"): boolean;
  /** Whether the child keeps this process alive. */
  setRef(on: boolean): void;
}

/** What the child's handle reports. */
export interface ChildEvents {
  /** A chunk of the child's stdout. */
  data(chunk: Uint8Array): void;
  /** The child ended and its stdout was read to the end (every byte it wrote has been seen). */
  closed(code: number | null, signal: string | null): void;
  /** The child could not be started. */
  failed(error: Error): void;
}

const g = globalThis as unknown as { Deno?: { execPath(): string } };

/**
 * The command line that runs `shellPath` on the current runtime.
 *
 * @example
 * ```ts ignore
 * import { childCommand } from "./child_process.ts";
 * console.log(childCommand("/app/process_worker.ts", { denoFlags: [], maxHeapMb: 0 }));
 * ```
 */
export function childCommand(shellPath: string, options: ChildCommandOptions): string[] {
  const { denoFlags, maxHeapMb } = options;
  if (g.Deno) {
    const v8 = maxHeapMb > 0 ? [`--v8-flags=--max-old-space-size=${maxHeapMb}`] : [];
    // --no-prompt: a permission the child lacks must fail, not wait for a human on a terminal.
    return [g.Deno.execPath(), "run", "--no-prompt", ...v8, ...denoFlags, shellPath];
  }
  if ((globalThis as { Bun?: unknown }).Bun) return [process.execPath, shellPath];
  const v8 = maxHeapMb > 0 ? [`--max-old-space-size=${maxHeapMb}`] : [];
  return [process.execPath, ...v8, shellPath];
}

/** This process's environment with `extra` on top (only `extra` where it may not be read). */
function childEnv(extra: Record<string, string>): Record<string, string> {
  try {
    return { ...process.env as Record<string, string>, ...extra };
  } catch {
    // Deno without --allow-env cannot read ours: the child gets what the pool gives it.
    return { ...extra };
  }
}

/**
 * Starts `command` with piped stdin/stdout (the frame channel) and the parent's stderr (so what
 * tasks log is seen).
 *
 * @example
 * ```ts ignore
 * import { spawnChild } from "./child_process.ts";
 * const child = spawnChild(["deno", "run", "shell.ts"], {}, { data() {}, closed() {}, failed() {} });
 * child.kill("SIGTERM");
 * ```
 */
export function spawnChild(
  command: string[],
  env: Record<string, string>,
  events: ChildEvents,
): ChildHandle {
  const child = spawn(command[0], command.slice(1), {
    stdio: ["pipe", "pipe", "inherit"],
    env: childEnv(env),
  });
  let gone = false;
  child.stdout!.on("data", (chunk: Uint8Array) => events.data(chunk));
  // 'close' comes after the exit and after stdout ended: every frame the child wrote has arrived.
  child.on("close", (code, signal) => {
    gone = true;
    events.closed(code, signal);
  });
  // Reaped: from here its pid may belong to another process, so no signal goes to it.
  let exited = false;
  child.on("exit", () => exited = true);
  child.on("error", (error) => {
    if (child.pid === undefined) {
      gone = true;
      events.failed(error);
    }
  });
  // A child that died leaves a broken pipe: the write fails, and 'close' tells the rest.
  child.stdin!.on("error", () => {});
  return {
    pid: child.pid ?? null,
    write(bytes) {
      if (!gone && child.stdin!.writable) child.stdin!.write(bytes);
    },
    kill(signal) {
      if (gone || exited || child.pid === undefined) return false;
      try {
        // By pid, not child.kill(): Deno's node:child_process counts a child as killed once it
        // was sent SIGTERM (it even sets signalCode while the child still runs) and refuses any
        // later signal, so the SIGKILL for a child that ignores SIGTERM would never go.
        process.kill(child.pid, signal);
        return true;
      } catch {
        return false;
      }
    },
    setRef(on) {
      const streams = [child, child.stdout, child.stdin] as unknown as {
        ref?: () => void;
        unref?: () => void;
      }[];
      for (const s of streams) on ? s?.ref?.() : s?.unref?.();
    },
  };
}

/**
 * Whether a process with `pid` exists (a zombie not yet reaped counts as existing).
 *
 * @example
 * ```ts
 * import { processExists } from "./child_process.ts";
 * console.log(processExists(2 ** 22 + 1)); // false
 * ```
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Lets `timer` not keep the process alive (heartbeats must not hold an idle program open).
 *
 * @example
 * ```ts
 * import { unrefTimer } from "./child_process.ts";
 * const t = setTimeout(() => {}, 10);
 * unrefTimer(t);
 * clearTimeout(t);
 * ```
 */
export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  const D = (globalThis as unknown as { Deno?: { unrefTimer(id: number): void } }).Deno;
  if (D && typeof timer === "number") D.unrefTimer(timer);
  else (timer as { unref?: () => void }).unref?.();
}
