/**
 * The diagnostics snapshot: what every worker is doing right now. The pool fills these plain
 * types; {@linkcode formatDiagnostics} prints them. This is the JS counterpart of dumping thread
 * stacks: a worker stuck on one task for a long time stands out.
 *
 * @module
 */
import { formatBytes } from "./format_bytes.ts";
import { formatMs, formatTable } from "./text_format.ts";
import { assertNumber } from "../validate.ts";

/** Life cycle of a worker. */
export type WorkerState = "starting" | "idle" | "busy" | "retiring" | "exited";

/** One worker, as the pool sees it. */
export interface WorkerDiagnostics {
  id: string | number;
  state: WorkerState;
  /** Task running now (the longest-running one when a worker runs several). */
  currentTask: string | null;
  /** How long `currentTask` has been running. */
  runningMs: number | null;
  /** Tasks this worker has finished. */
  tasksDone: number;
  /** Memory the worker uses, when the runtime can tell. */
  memoryBytes: number | null;
  /** How the worker is run: "web-worker", or "process" (a child process with `pid`). */
  transport?: string;
  /** The worker's process id, for a worker with a process of its own. */
  pid?: number | null;
}

/** The whole pool at clock time `at`. */
export interface PoolDiagnostics {
  at: number;
  /** e.g. "deno 2.9.6". */
  runtime: string;
  queueDepth: number;
  inFlight: number;
  workers: WorkerDiagnostics[];
}

const states: readonly WorkerState[] = ["starting", "idle", "busy", "retiring", "exited"];

/**
 * Formats diagnostics as a plain-text table, marking with `!` each task running longer than
 * `slowAfterMs`.
 *
 * @example
 * ```ts
 * import { formatDiagnostics } from "./diagnostics.ts";
 * console.log(formatDiagnostics({ at: 0, runtime: "deno 2.9.6", queueDepth: 0, inFlight: 1,
 *   workers: [{ id: 1, state: "busy", currentTask: "render", runningMs: 120, tasksDone: 7,
 *     memoryBytes: 48 * 1024 * 1024 }] }));
 * ```
 */
export function formatDiagnostics(
  diagnostics: PoolDiagnostics,
  { slowAfterMs = 10_000 }: {
    /** Running time from which a task is marked as possibly stuck. @default {10_000} */
    slowAfterMs?: number;
  } = {},
): string {
  assertNumber("format diagnostics", "slowAfterMs", slowAfterMs, { min: 0 });
  const d = diagnostics;
  const counts = states
    .map((s) => [s, d.workers.filter((w) => w.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const slow = d.workers.filter((w) => w.runningMs !== null && w.runningMs > slowAfterMs);
  const lines = [
    `workloom diagnostics (${d.runtime})`,
    `  ${d.workers.length} workers${counts.length ? ": " + counts.join(", ") : ""}; ` +
    `${d.queueDepth} queued, ${d.inFlight} in flight`,
    ...formatTable(
      ["worker", "state", "task", "running", "done", "memory"],
      d.workers.map((w) => [
        String(w.id),
        w.state,
        w.currentTask ?? "-",
        w.runningMs === null ? "-" : formatMs(w.runningMs) + (slow.includes(w) ? " !" : ""),
        String(w.tasksDone),
        w.memoryBytes === null ? "-" : formatBytes(w.memoryBytes),
      ]),
      { align: ["l", "l", "l"] },
    ),
  ];
  for (const w of slow) {
    lines.push(
      `  ! worker ${w.id} has run '${w.currentTask ?? "?"}' for ${formatMs(w.runningMs!)}: ` +
        "it may be stuck (a task that never yields cannot be stopped inside a Web Worker on " +
        "every runtime; a process worker can always be killed)",
    );
  }
  return lines.join("\n") + "\n";
}
