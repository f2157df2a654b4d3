/**
 * The worker side's run loop, whatever carries its messages: it imports the task module named
 * in the `init` message, runs the tasks it is sent (up to `concurrency` async tasks at once; the
 * rest wait here, prefetched), and sends results back in batches, one message per batch of work
 * rather than one per task, because a message costs far more than a tiny task. It knows nothing
 * of `self`: a shell hands it a `post` function and feeds it messages (the Web Worker shell in
 * `web_worker.ts`; an in-process or child-process shell the same way).
 *
 * @module
 */
import {
  type DoneBatch,
  type FromWorker,
  RESULTS_POSTED,
  type SerializedError,
  serializeError,
  SLOT_CANCELLED,
  startSlot,
  type ToWorker,
} from "../src/transport/protocol.ts";
import { driveStream, isStreamable, StreamCredit } from "./stream_driver.ts";
import { WorkerTaskContext } from "./task_context.ts";

type TaskFn = (input: unknown, ctx: WorkerTaskContext) => unknown;

/** Sends one message to the pool side. */
export type Post = (message: FromWorker) => void;

// After this long without sending, results go out even in the middle of a batch, so that one
// slow task does not hold back the results of the quick ones before it.
const FLUSH_AFTER_MS = 1;

function emptyBatch(): DoneBatch {
  return { t: "done", ids: [], failed: null, values: [], busy: [], run: [] };
}

/** A result the shell may hand back some other way than a message (see `runHanded`). */
export interface HandedResult {
  value: unknown;
  busyMs: number;
  runMs: number;
}

/**
 * The run loop of one worker.
 *
 * @example
 * ```ts ignore
 * const runner = new TaskRunner((m) => postMessage(m));
 * onmessage = (e) => runner.receive(e.data);
 * ```
 */
export class TaskRunner {
  /** Tasks running now (async ones awaiting their promise). */
  running = 0;
  #post: Post;
  #tasks: Record<string, unknown> | null = null;
  #moduleUrl = "";
  #control: Int32Array | null = null;
  #concurrency = 1;
  #active = new Map<number, WorkerTaskContext>();
  #cancelledEarly = new Set<number>();
  // Streaming tasks received and not started: their credit window (see RunBatch.windows).
  #windows = new Map<number, number>();
  // Streaming tasks running: the chunks each may still send.
  #credits = new Map<number, StreamCredit>();
  #lastFlush = 0;
  #flushQueued = false;
  // Set once the worker has sent its last word (see lastWord): from then on it starts no task.
  #dying = false;
  // Names of tasks whose last call ran synchronously for less than FLUSH_AFTER_MS. Before any
  // other task starts, the results waiting to be sent go out: a long synchronous task would
  // otherwise hold back the results of the quick ones before it until it returns (past a caller's
  // deadline), and lose them if its worker is killed. Unknown names count as slow, which costs one
  // message once.
  #quick = new Set<string>();
  // Prefetched tasks, as columns with a moving head (see RunBatch).
  #qIds: number[] = [];
  #qSlots: number[] = [];
  #qNames: string[] = [];
  #qInputs: unknown[] = [];
  #qHead = 0;
  #out: DoneBatch = emptyBatch();
  #flushBound = () => this.flush();
  #postProgress = (id: number, value: unknown) => this.#post({ t: "progress", id, value });

  #onStart: ((id: number) => void) | undefined;
  #onYield: ((id: number) => void) | undefined;

  /**
   * @param onStart called just before a task's function is called (the process shell tells its
   * pool, see `ProcessFromWorker`); a task it is not called for never ran here.
   * @param onYield called when a task's function returned a promise: the thread is free again
   * while the task waits.
   */
  constructor(post: Post, onStart?: (id: number) => void, onYield?: (id: number) => void) {
    this.#post = post;
    this.#onStart = onStart;
    this.#onYield = onYield;
  }

  /** True when the module is loaded and nothing runs or waits here. */
  get idle(): boolean {
    return this.#tasks !== null && !this.#dying && this.running === 0 &&
      this.#qHead >= this.#qIds.length;
  }

  /** Handles one message from the pool side. */
  receive(m: ToWorker): void {
    switch (m.t) {
      case "run":
        if (m.windows) {
          for (let i = 0; i < m.ids.length; i++) {
            if (m.windows[i] > 0) this.#windows.set(m.ids[i], m.windows[i]);
          }
        }
        this.#enqueue(m.ids, m.slots, m.names, m.inputs);
        this.#pump();
        // No flush here: the results go in this turn's microtask (see #settle), after the shell
        // has had its say. A shell that dozes must say so before they go out, or the pool reads
        // them, finds the worker not yet dozing and sends its next call by message.
        break;
      case "cancel": {
        const error = Object.assign(new Error(m.reason.message), { name: m.reason.name });
        const ctx = this.#active.get(m.id);
        if (ctx) {
          ctx.cancel(error);
          this.#credits.get(m.id)?.wake(); // a stream waiting for credit sees the cancel
        } // Without shared flags (a child process) a task cancelled while it waits here learns it
        // only from this message: remember it, or it would start later and run unwatched.
        else if (this.#control === null && this.#qIds.indexOf(m.id, this.#qHead) >= 0) {
          this.#cancelledEarly.add(m.id);
        }
        break;
      }
      case "credit":
        this.#credits.get(m.id)?.grant(m.n);
        break;
      case "concurrency":
        this.#concurrency = m.value;
        this.#pump();
        break;
      case "echo":
        this.#post({ t: "echo", payload: m.payload });
        break;
      case "init":
        this.#concurrency = m.concurrency;
        this.#init(m.module, m.control);
        break;
    }
  }

  /**
   * The end-of-worker protocol. As the worker ends (it called `process.exit()` or `self.close()`,
   * or an uncaught error is ending it), it sends the results it still holds, then its last word,
   * and from then on starts nothing. Messages keep their order on the worker's channel, so when
   * the last word reaches the pool every result sent before it has arrived too: the pool settles
   * what finished, fails what was running, and runs what never started elsewhere. Without the
   * last word (Deno lets a worker's error event overtake its earlier messages; a dying worker may
   * keep running for the rest of its turn after `self.close()`) the pool would judge too early or
   * too late.
   */
  lastWord(reason: string): void {
    if (this.#dying) return;
    this.#dying = true;
    // Results of tasks that finished earlier in this turn are still waiting for their microtask
    // flush, which will never run: send them first, or the pool counts those tasks as crashed.
    this.flush();
    this.#post({ t: "exit", reason });
  }

  /** Sends the results held here, as one message (one by one if one cannot be sent). */
  flush(): void {
    this.#flushQueued = false;
    const batch = this.#out;
    if (batch.ids.length === 0) return;
    this.#out = emptyBatch();
    this.#lastFlush = performance.now();
    // Counted before the post: the pool that reads a count ahead of what it has read waits for
    // these before it ends this worker (see WorkerLink.resultsOnTheirWay).
    const control = this.#control;
    if (control !== null) Atomics.add(control, RESULTS_POSTED, batch.ids.length);
    try {
      this.#post(batch);
    } catch {
      // A result could not be cloned: send them one by one and turn the bad ones into errors.
      for (let i = 0; i < batch.ids.length; i++) {
        const failed = batch.failed?.includes(i) ?? false;
        const one = (value: unknown, isError: boolean): DoneBatch => ({
          t: "done",
          ids: [batch.ids[i]],
          failed: isError ? [0] : null,
          values: [value],
          busy: [batch.busy[i]],
          run: [batch.run[i]],
        });
        try {
          this.#post(one(batch.values[i], failed));
        } catch (e) {
          const error = serializeError(e);
          error.message = `Cannot send the result of the task back to the pool: ${error.message}`;
          this.#post(one(error, true));
        }
      }
    }
  }

  /**
   * Runs a task the shell received some other way than a message (the shared-memory mailbox).
   * Returns its result when it finished at once with a plain value that `fits` the way back;
   * otherwise null, and the result goes by message (an error, a value too big, an async task).
   */
  runHanded(
    id: number,
    slot: number,
    name: string,
    input: unknown,
    fits: (value: unknown) => boolean,
  ): HandedResult | null {
    this.#start(id, slot, name, input);
    const out = this.#out;
    const last = out.ids.length - 1;
    const failed = out.failed !== null && out.failed[out.failed.length - 1] === last;
    if (last >= 0 && out.ids[last] === id && !failed && fits(out.values[last])) {
      out.ids.pop();
      return { value: out.values.pop(), busyMs: out.busy.pop()!, runMs: out.run.pop()! };
    }
    this.flush();
    return null;
  }

  async #init(url: string, buffer: SharedArrayBuffer | null): Promise<void> {
    this.#moduleUrl = url;
    this.#control = buffer ? new Int32Array(buffer) : null;
    try {
      this.#tasks = await import(url);
    } catch (e) {
      this.#post({ t: "init-error", error: serializeError(e) });
      return;
    }
    this.#post({ t: "ready" });
    this.#pump();
    this.flush();
  }

  #enqueue(ids: number[], slots: number[], names: string | string[], inputs: unknown[]): void {
    const n = ids.length;
    if (this.#qIds.length === 0) {
      // The usual case: nothing waiting, so the batch's own arrays become the queue.
      this.#qIds = ids;
      this.#qSlots = slots;
      this.#qInputs = inputs;
      this.#qNames = typeof names === "string" ? new Array(n).fill(names) : names;
      return;
    }
    for (let i = 0; i < n; i++) {
      this.#qIds.push(ids[i]);
      this.#qSlots.push(slots[i]);
      this.#qInputs.push(inputs[i]);
      this.#qNames.push(typeof names === "string" ? names : names[i]);
    }
  }

  #noteBusy(name: string, ms: number): void {
    if (ms < FLUSH_AFTER_MS) this.#quick.add(name);
    else this.#quick.delete(name);
  }

  #settle(id: number, ok: boolean, value: unknown, busy: number, run: number): void {
    const out = this.#out;
    if (!ok) (out.failed ??= []).push(out.ids.length);
    out.ids.push(id);
    out.values.push(value);
    out.busy.push(busy);
    out.run.push(run);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushBound);
    }
  }

  #noSuchTask(name: string): SerializedError {
    const tasks = this.#tasks ?? {};
    const names = Object.keys(tasks).filter((k) => typeof tasks[k] === "function");
    return serializeError(
      new TypeError(
        `Cannot run task '${name}' as the task module ${this.#moduleUrl} exports no function ` +
          `of that name (it exports: ${names.join(", ") || "nothing"})`,
      ),
    );
  }

  #start(id: number, slot: number, name: string, input: unknown): void {
    if (this.#dying) return; // the pool runs it elsewhere (see lastWord)
    const window = this.#windows.get(id) ?? 0;
    if (window > 0) this.#windows.delete(id);
    const control = this.#control;
    if (this.#cancelledEarly.delete(id)) {
      this.#settle(id, false, { name: "AbortError", message: "cancelled before it started" }, 0, 0);
      return;
    }
    if (control !== null) {
      const before = startSlot(control, slot);
      if (before < 0) return; // the pool claimed it back after judging this worker dead
      if (before & SLOT_CANCELLED) {
        this.#settle(
          id,
          false,
          { name: "AbortError", message: "cancelled before it started" },
          0,
          0,
        );
        return;
      }
    }
    // A module namespace has no prototype, but a name must still be an own export.
    const fn = Object.hasOwn(this.#tasks!, name) ? this.#tasks![name] : undefined;
    if (typeof fn !== "function") {
      this.#settle(id, false, this.#noSuchTask(name), 0, 0);
      return;
    }
    const ctx = new WorkerTaskContext(id, slot, control, this.#postProgress);
    this.#onStart?.(id);
    const t0 = performance.now();
    let value: unknown;
    try {
      value = (fn as TaskFn)(input, ctx);
    } catch (e) {
      ctx.done = true;
      const t = performance.now() - t0;
      this.#noteBusy(name, t);
      this.#settle(id, false, serializeError(e), t, t);
      return;
    }
    const busy = performance.now() - t0;
    this.#noteBusy(name, busy);
    // A primitive result (the common no-op and counter case) cannot be a generator.
    if (typeof value === "object" && isStreamable(value)) {
      if (window === 0) {
        ctx.done = true;
        (value as Iterator<unknown>).return?.();
        const error = new TypeError(
          `Cannot run task '${name}' with run() as it returned a generator: call it with stream()`,
        );
        this.#settle(id, false, serializeError(error), busy, busy);
        return;
      }
      // The stream runs as an async task: its promise is the generator's return value.
      const credit = new StreamCredit(window);
      this.#credits.set(id, credit);
      const send = (chunk: unknown) => this.#post({ t: "chunk", id, value: chunk });
      value = driveStream(value, ctx, credit, send).finally(() => this.#credits.delete(id));
    }
    if (value !== null && typeof (value as PromiseLike<unknown>)?.then === "function") {
      this.running++;
      this.#active.set(id, ctx);
      const done = (ok: boolean, v: unknown) => {
        this.running--;
        this.#active.delete(id);
        ctx.done = true;
        this.#settle(id, ok, ok ? v : serializeError(v), busy, performance.now() - t0);
        this.#pump();
      };
      (value as PromiseLike<unknown>).then((v) => done(true, v), (e) => done(false, e));
      this.#onYield?.(id);
    } else {
      ctx.done = true;
      this.#settle(id, true, value, busy, busy);
    }
  }

  #pump(): void {
    if (this.#tasks === null || this.#dying) return;
    while (this.#qHead < this.#qIds.length && this.running < this.#concurrency) {
      const i = this.#qHead++;
      const input = this.#qInputs[i];
      this.#qInputs[i] = undefined; // let the input be collected while later tasks run
      const name = this.#qNames[i];
      if (this.#out.ids.length > 0 && !this.#quick.has(name)) this.flush();
      this.#start(this.#qIds[i], this.#qSlots[i], name, input);
      if (performance.now() - this.#lastFlush > FLUSH_AFTER_MS) this.flush();
    }
    if (this.#qHead === this.#qIds.length) {
      this.#qIds = [];
      this.#qSlots = [];
      this.#qNames = [];
      this.#qInputs = [];
      this.#qHead = 0;
    }
  }
}
