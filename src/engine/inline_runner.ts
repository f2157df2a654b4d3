/**
 * Inline mode (the seed's SEQUENTIAL strategy): runs tasks on the calling thread with the same
 * API, for debugging with ordinary breakpoints and for batches too small to be worth a hand-off.
 *
 * @module
 */
import { onAbort } from "./abort_fanout.ts";
import { TaskError } from "../errors.ts";
import { serializeError } from "../transport/protocol.ts";
import type { Task } from "./task.ts";
import { InlineTaskContext } from "../../workers/task_context.ts";

/** The outcome of one inline call. */
export interface InlineOutcome {
  ok: boolean;
  value: unknown;
  busyMs: number;
  runMs: number;
}

/**
 * Imports the task module on the calling thread (once) and calls its functions.
 *
 * @example
 * ```ts ignore
 * const runner = new InlineRunner(new URL("./tasks.ts", import.meta.url).href);
 * const out = await runner.execute("render", { title: "Hi" }, new AbortController().signal, () => {});
 * ```
 */
export class InlineRunner {
  #module: Promise<Record<string, unknown>> | undefined;
  #busy = false;

  /** True while a queued task runs on this thread and is not settled (see `runTask`). */
  get busy(): boolean {
    return this.#busy;
  }

  constructor(readonly moduleUrl: string) {}

  /** Runs task `name`; never throws: what the task threw is in the outcome, as a `TaskError`. */
  async execute(
    name: string,
    input: unknown,
    signal: AbortSignal,
    onProgress: (value: unknown) => void,
  ): Promise<InlineOutcome> {
    const t0 = performance.now();
    let busyMs = 0;
    const ctx = new InlineTaskContext(signal, onProgress);
    try {
      this.#module ??= import(this.moduleUrl);
      const tasks = await this.#module;
      // Only the module's own exports are tasks, never members its namespace might inherit.
      const fn = Object.hasOwn(tasks, name) ? tasks[name] : undefined;
      if (typeof fn !== "function") {
        const names = Object.keys(tasks).filter((k) => typeof tasks[k] === "function");
        throw new TypeError(
          `Cannot run task '${name}' as the task module ${this.moduleUrl} exports no function of ` +
            `that name (it exports: ${names.join(", ") || "nothing"})`,
        );
      }
      const start = performance.now();
      const pending = fn(input, ctx);
      busyMs = performance.now() - start;
      const value = await pending;
      return { ok: true, value, busyMs, runMs: performance.now() - t0 };
    } catch (error) {
      // The same shape as a task that threw in a worker, which arrives serialized.
      const value = new TaskError(name, serializeError(error));
      return { ok: false, value, busyMs, runMs: performance.now() - t0 };
    } finally {
      ctx.done = true;
    }
  }

  /**
   * Runs a queued task on this thread and reports its outcome; the task's signal (its caller's
   * abort) or cancel hook reaches the task's context. The runner is `busy` from here until
   * `finished()`, which its caller calls as it settles the task: a pool closing meanwhile waits
   * for it.
   */
  async runTask(task: Task): Promise<InlineOutcome> {
    this.#busy = true;
    task.send(null, -1, performance.now());
    const controller = new AbortController();
    const signal = task.signal;
    const unwatch = signal ? onAbort(signal, () => controller.abort(signal.reason)) : undefined;
    // The job layer's cancel reaches the context too (it stays attached: a later cancel finds
    // the run over, and aborting a finished context's controller does nothing).
    task.hook?.attach((error) => controller.abort(error));
    try {
      return await this.execute(
        task.name,
        task.input,
        controller.signal,
        (v) => task.onProgress?.(v),
      );
    } finally {
      unwatch?.();
    }
  }

  /** The queued task `runTask` ran is being settled: the runner is free. */
  finished(): void {
    this.#busy = false;
  }
}
