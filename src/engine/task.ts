/**
 * The pool's record of one call to `run()`, from queueing to settling.
 *
 * @module
 */
import type { LinkedTask, WorkerLink } from "../transport/worker_link.ts";

/** One task in the pool (internal). */
export interface Task extends LinkedTask {
  readonly id: number;
  readonly name: string;
  readonly input: unknown;
  readonly priority: number;
  /** Which lane it queues and runs in (worker: one at a time per worker; async: many). */
  lane: 0 | 1; // a LaneIndex (lane_queues.ts), spelled out: that module imports this one
  readonly transfer: Transferable[] | undefined;
  readonly stage: string | undefined;
  readonly onProgress: ((value: unknown) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  retriesLeft: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** When run() was called (performance.now()). */
  queuedAt: number;
  /** When it was sent to a worker; 0 while queued. */
  sentAt: number;
  worker: WorkerLink<Task> | null;
  slot: number;
  settled: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
}
