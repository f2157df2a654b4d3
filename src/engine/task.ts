/**
 * A task: the pool's record of one call, from queueing to settling, as a small state machine.
 *
 * ```
 *             send()            start()
 *   queued ─────────────▶ sent ─────────▶ started
 *     ▲  ▲                 │  │             │  │
 *     │  └── reclaim() ────┘  │   retry()   │  │
 *     └───────────────────────┼─────────────┘  │
 *     │                       │   chunk()      │ chunk()
 *     │                       ├──────────▶ streaming ◀─┘ (and streaming ─chunk()─▶ streaming)
 *     │                       │                │
 *     └── settle() ───────────┴─── settle() ───┴──▶ settled
 * ```
 *
 * `queued`: in a lane's queue (or waiting for room). `sent`: in a worker, which may not have
 * begun it. `started`: the pool knows the worker began it (after a crash, from the shared flags or
 * the child's note), so it may have had effects. `settled`: its promise is resolved or rejected,
 * once (a result, a thrown error, a timeout or cancel, a crash). `streaming`: a task called with
`stream()` sent its first chunk, so its worker began it and its caller has seen output: it is
never queued again (no `reclaim()`, no `retry()`), a crash fails it. `reclaim()` is the crash edge of
 * a task its dead worker never started, `retry()` that of a started task with retries left. Each
 * field has one writer, the transition that sets it; an illegal transition throws.
 *
 * @module
 */
import { onAbort } from "./abort_fanout.ts";
import { CANCEL_HOOK, type CancelHook, type HookedOptions } from "./cancel_hook.ts";
import { abortError, TimeoutError } from "../errors.ts";
import type { Lane } from "../lane.ts";
import type { LinkedTask } from "../transport/link_types.ts";
import type { WorkerLink } from "../transport/worker_link.ts";
import type { RunOptions } from "./run_options.ts";

/** Where a task is in its life (see the module doc). */
export type TaskState = "queued" | "sent" | "started" | "streaming" | "settled";

/** Where a streaming task's chunks go, and how many may be in flight (see `pool.stream()`). */
export interface ChunkSink {
  /** Chunks the worker may send before the caller reads any: the credit window. */
  readonly window: number;
  /** Receives each chunk, in order, before the task settles. */
  push(value: unknown, task: Task): void;
}

/** What {@linkcode Task.create} takes: a validated call and where its outcome goes. */
export interface NewTask {
  id: number;
  name: string;
  input: unknown;
  /** The call's options, already validated (`checkRunOptions`). */
  options: RunOptions;
  /** `options.transfer` as an array (what `checkRunOptions` returned). */
  transfer: Transferable[] | undefined;
  lane: Lane;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Called when the task's timeout or signal fires while it is not settled. */
  cancel: (task: Task, error: Error) => void;
  /** Set for a call of `stream()`: where its chunks go. */
  sink?: ChunkSink;
}

/**
 * One task in the pool (internal).
 *
 * @example
 * ```ts
 * import { Task } from "./task.ts";
 * const call = { resolve: () => {}, reject: () => {}, cancel: () => {} };
 * const task = Task.create({ ...call, id: 1, name: "render", input: 1, options: {}, transfer: undefined, lane: "worker" });
 * console.log(task.state); // "queued"
 * task.settle(true, "<p>1</p>");
 * console.log(task.state); // "settled"
 * ```
 */
export class Task implements LinkedTask {
  readonly id: number;
  readonly name: string;
  readonly input: unknown;
  readonly priority: number;
  readonly transfer: Transferable[] | undefined;
  readonly stage: string | undefined;
  readonly onProgress: ((value: unknown) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  /** The job layer's cancel for this call, instead of a signal (see `cancel_hook.ts`). */
  readonly hook: CancelHook | undefined;
  /** Its credit window when it streams (see `ChunkSink`); 0 when it does not. */
  readonly window: number;
  readonly #sink: ChunkSink | undefined;
  /** When run() was called (performance.now()). */
  readonly queuedAt: number;
  #state: TaskState = "queued";
  #lane: Lane;
  #worker: WorkerLink<Task> | null = null;
  #slot = -1;
  #sentAt = 0;
  #retriesLeft: number;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Stops watching its signal (one listener per signal, shared: see abort_fanout.ts). */
  #unwatch: (() => void) | undefined;

  private constructor(call: NewTask) {
    const { priority = 0, retries = 0, stage, onProgress, signal } = call.options;
    this.id = call.id;
    this.name = call.name;
    this.input = call.input;
    this.priority = priority;
    this.transfer = call.transfer;
    this.stage = stage;
    this.onProgress = onProgress;
    this.signal = signal;
    // Read in place, not through a helper: a call without a hook runs no code of cancel_hook.ts.
    this.hook = (call.options as HookedOptions)[CANCEL_HOOK];
    this.#sink = call.sink;
    this.window = call.sink?.window ?? 0;
    this.#lane = call.lane;
    this.#retriesLeft = retries;
    this.#resolve = call.resolve;
    this.#reject = call.reject;
    this.queuedAt = performance.now();
  }

  /**
   * A queued task, armed: its `timeoutMs` timer and its signal's abort (or its hook's cancel)
   * call `call.cancel`. Throws the signal's `AbortError` (the hook's reason) when the signal is
   * already aborted (the hook already cancelled).
   */
  static create(call: NewTask): Task {
    const { timeoutMs, signal } = call.options;
    if (signal?.aborted) throw abortError(signal);
    const task = new Task(call);
    const { hook } = task;
    if (hook?.reason) throw hook.reason;
    const { cancel, name } = call;
    if (timeoutMs !== undefined) {
      task.#timer = setTimeout(() => cancel(task, new TimeoutError(name, timeoutMs)), timeoutMs);
    }
    if (signal) task.#unwatch = onAbort(signal, () => cancel(task, abortError(signal)));
    hook?.attach((error) => cancel(task, error));
    return task;
  }

  /** Where the task is in its life. */
  get state(): TaskState {
    return this.#state;
  }

  /** True once its promise is resolved or rejected. */
  get settled(): boolean {
    return this.#state === "settled";
  }

  /** Which lane it queues and runs in. */
  get lane(): Lane {
    return this.#lane;
  }

  /**
   * The worker holding it (kept once settled there, for the metrics); null while queued or
   * running on the calling thread.
   */
  get worker(): WorkerLink<Task> | null {
    return this.#worker;
  }

  /** Its slot in the worker's control flags while in a worker; -1 while queued. */
  get slot(): number {
    return this.#slot;
  }

  /** When it was sent to a worker (performance.now()); 0 while queued. */
  get sentAt(): number {
    return this.#sentAt;
  }

  /** Times it may still run again after a crash of its worker. */
  get retriesLeft(): number {
    return this.#retriesLeft;
  }

  /** queued → queued: the controller moved its name to another lane. */
  reroute(lane: Lane): void {
    this.#expect("reroute", "queued");
    this.#lane = lane;
  }

  /**
   * queued → sent: a worker (`worker`) holds it in `slot` since `now`; `null` and -1 when it runs
   * on the calling thread (inline mode).
   */
  send(worker: WorkerLink<Task> | null, slot: number, now: number): void {
    this.#expect("send", "queued");
    this.#state = "sent";
    this.#worker = worker;
    this.#slot = slot;
    this.#sentAt = now;
  }

  /** sent → started: its worker began it (a crash will not run it again without retries). */
  start(): void {
    this.#expect("start", "sent");
    this.#state = "started";
  }

  /**
   * sent | started | streaming → streaming: its worker sent a chunk, which goes to the caller.
   * Only a task called with `stream()` has chunks.
   */
  chunk(value: unknown): void {
    const state = this.#state;
    if (
      this.#sink === undefined || (state !== "sent" && state !== "started" && state !== "streaming")
    ) {
      throw new Error(
        `Cannot take a chunk of task '${this.name}' (${this.id}) as it is ${state}` +
          (this.#sink ? "" : " and was not called with stream()"),
      );
    }
    this.#state = "streaming";
    this.#sink.push(value, this);
  }

  /** sent → queued: its worker never began it and never will (claimed back, or never sent). */
  reclaim(): void {
    this.#expect("reclaim", "sent");
    this.#requeue();
  }

  /** started → queued: its worker died while running it, and it has a retry left. */
  retry(): void {
    this.#expect("retry", "started");
    if (this.#retriesLeft <= 0) {
      throw new Error(`Cannot retry task '${this.name}' (${this.id}) as it has no retries left`);
    }
    this.#retriesLeft--;
    this.#requeue();
  }

  /** Any state but settled → settled: resolves or rejects the caller, disarms timer and signal. */
  settle(ok: boolean, value: unknown): void {
    if (this.#state === "settled") {
      throw new Error(`Cannot settle task '${this.name}' (${this.id}) as it is settled already`);
    }
    this.#state = "settled";
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#unwatch?.();
    if (ok) this.#resolve(value);
    else this.#reject(value);
  }

  #requeue(): void {
    this.#state = "queued";
    this.#worker = null;
    this.#slot = -1;
    this.#sentAt = 0;
  }

  #expect(transition: string, from: TaskState): void {
    if (this.#state !== from) {
      throw new Error(
        `Cannot ${transition} task '${this.name}' (${this.id}) as it is ${this.#state}, not ${from}`,
      );
    }
  }
}
