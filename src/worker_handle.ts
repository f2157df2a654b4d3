/**
 * The pool's side of one Web Worker: starting it, sending it batches of tasks, the shared control
 * slots of its tasks, and noticing when it dies. It knows nothing of queues or policy: every event
 * goes to the `WorkerEvents` the pool hands it.
 *
 * @module
 */
import {
  claimSlot,
  type DoneBatch,
  type FromWorker,
  type SerializedError,
  SLOT_CANCELLED,
  SLOT_FREE,
  SLOT_STARTED,
  SLOTS_PER_WORKER,
  type ToWorker,
} from "./protocol.ts";
import {
  AWAKE,
  DOZING,
  HANDED,
  MAILBOX_BYTES,
  type MailboxViews,
  mailboxViews,
  MB_PENDING,
  MB_REPLY_SEQ,
  MB_STATE,
  readReply,
  writeRequest,
} from "./mailbox.ts";
import type { Task } from "./task.ts";
import { workerEntryUrl } from "./worker_entry_url.ts";

/** What a worker handle reports to its pool. */
export interface WorkerEvents {
  ready(handle: WorkerHandle): void;
  initError(handle: WorkerHandle, error: SerializedError): void;
  results(handle: WorkerHandle, batch: DoneBatch): void;
  progress(handle: WorkerHandle, id: number, value: unknown): void;
  exited(handle: WorkerHandle, reason: string): void;
}

/**
 * Lifecycle of a worker as the pool sees it. `dying`: it is ending and takes no tasks, and the
 * pool waits for its last word (see `ExitNotice`) before judging the tasks it holds.
 */
export type WorkerState = "starting" | "ready" | "retiring" | "dying" | "exited";

/**
 * How long a dying worker's last word may take to arrive after an error event that may have
 * overtaken it, before the pool judges its tasks without it. Only a worker that started tasks
 * waits: their results may still be on the way.
 */
const LAST_WORD_MS = 2000;

// Longest the pool watches for a fast-path reply before it waits asynchronously.
const REPLY_SPIN_MS = 0.02;

const sharedMemory = typeof SharedArrayBuffer === "function" && typeof Atomics === "object";
const hasWaitAsync = sharedMemory &&
  typeof (Atomics as { waitAsync?: unknown }).waitAsync === "function";

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = hasWaitAsync
  ? (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync
  : undefined;

/**
 * One worker of the pool.
 *
 * @example
 * ```ts ignore
 * const url = new URL("./tasks.ts", import.meta.url).href;
 * const w = new WorkerHandle(1, url, { concurrency: 1, startTimeoutMs: 10_000 }, events);
 * ```
 */
export class WorkerHandle {
  state: WorkerState = "starting";
  /** Tasks sent and not yet reported back, by id. */
  readonly inFlight = new Map<number, Task>();
  /** Tasks in flight per lane (worker lane, async lane), for the dispatcher's room. */
  readonly laneInFlight: [number, number] = [0, 0];
  /** Tasks completed by this worker (for recycling and diagnostics). */
  completed = 0;
  /** Tasks sent over its life (for `maxTasksPerWorker`). */
  sent = 0;
  /** Sum of busy (compute) milliseconds reported by the worker. */
  busyMs = 0;
  /** Why it is retiring, once it is. */
  retireReason = "";
  /** When it last became idle (performance.now()), for the idle timeout. */
  idleSince: number;
  readonly startedAt: number = performance.now();
  readonly #worker: Worker;
  readonly #control: Int32Array | null;
  readonly #mailbox: MailboxViews | null;
  readonly #freeSlots: number[] = [];
  #nextSlot = 0;
  #lastWordTimer: ReturnType<typeof setTimeout> | undefined;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #held = true;
  /** True once the worker loaded the task module and said it is ready. */
  wasReady = false;

  constructor(
    readonly id: number,
    moduleUrl: string,
    options: { concurrency: number; startTimeoutMs: number },
    readonly events: WorkerEvents,
  ) {
    const { concurrency, startTimeoutMs } = options;
    this.idleSince = this.startedAt;
    // A module whose top-level await never settles would hold its calls forever.
    this.#startTimer = setTimeout(
      () => this.#ended(`the worker did not start within ${startTimeoutMs} ms`),
      startTimeoutMs,
    );
    const buffer = sharedMemory ? new SharedArrayBuffer(SLOTS_PER_WORKER * 4) : null;
    this.#control = buffer ? new Int32Array(buffer) : null;
    const mailbox = sharedMemory && hasWaitAsync ? new SharedArrayBuffer(MAILBOX_BYTES) : null;
    this.#mailbox = mailbox ? mailboxViews(mailbox) : null;
    this.#worker = new Worker(workerEntryUrl(), { type: "module", name: `workloom-${id}` });
    this.#worker.onmessage = (e: MessageEvent<FromWorker>) => this.#onMessage(e.data);
    this.#worker.onerror = (e: ErrorEvent) => {
      // Deno ends the whole process unless the parent handles a worker's uncaught error.
      e.preventDefault();
      // The worker reports its own uncaught errors in its last word; an error event means one it
      // could not catch (a worker that failed to start, say). On Deno it may overtake results the
      // worker sent before it, so it is not the last word.
      this.#dying(`uncaught ${e.message || "error"}`);
    };
    this.#worker.onmessageerror = () => this.#dying("a message from the worker could not be read");
    // Bun reports every end of a worker with a `close` event, after all of its messages; Deno
    // has none (see the exit hooks).
    this.#worker.addEventListener("close", (e) => {
      const code = (e as Event & { code?: number }).code;
      this.#ended(`the worker exited${code === undefined ? "" : ` with code ${code}`}`);
    });
    this.#post({ t: "init", module: moduleUrl, control: buffer, mailbox, concurrency });
  }

  /** True while it accepts new tasks (not retiring or gone). */
  get taking(): boolean {
    return this.state === "starting" || this.state === "ready";
  }

  /** Slots still free for tasks. */
  get freeSlots(): number {
    return SLOTS_PER_WORKER - this.inFlight.size;
  }

  /** Sends tasks as one message; returns the tasks that could not be sent, with the error. */
  send(tasks: Task[]): { task: Task; error: unknown }[] {
    const n = tasks.length;
    const ids: number[] = new Array(n);
    const slots: number[] = new Array(n);
    const inputs: unknown[] = new Array(n);
    const first = tasks[0].name;
    let names: string | string[] = first;
    let transfer: Transferable[] | undefined;
    for (let i = 0; i < n; i++) {
      const task = tasks[i];
      task.slot = this.#takeSlot();
      task.worker = this;
      this.inFlight.set(task.id, task);
      this.laneInFlight[task.lane]++;
      ids[i] = task.id;
      slots[i] = task.slot;
      inputs[i] = task.input;
      if (task.name !== first && typeof names === "string") names = tasks.map((t) => t.name);
      if (task.transfer) (transfer ??= []).push(...task.transfer);
    }
    this.sent += n;
    this.#hold(true);
    try {
      this.#worker.postMessage(
        { t: "run", ids, slots, names, inputs } satisfies ToWorker,
        transfer ?? [],
      );
      this.#wake();
      return [];
    } catch {
      // Something in the batch cannot be cloned: send one by one to find which.
      const failed: { task: Task; error: unknown }[] = [];
      for (let i = 0; i < n; i++) {
        const task = tasks[i];
        try {
          const one: ToWorker = {
            t: "run",
            ids: [ids[i]],
            slots: [slots[i]],
            names: task.name,
            inputs: [inputs[i]],
          };
          this.#worker.postMessage(one, task.transfer ?? []);
          this.#wake();
        } catch (error) {
          this.release(task);
          this.sent--;
          failed.push({ task, error });
        }
      }
      return failed;
    }
  }

  /** Forgets a task the worker reported on, freeing its slot. */
  release(task: Task): void {
    if (this.inFlight.delete(task.id)) {
      this.laneInFlight[task.lane]--;
      if (this.inFlight.size === 0) this.#hold(false);
    }
    if (this.#control) Atomics.store(this.#control, task.slot, SLOT_FREE);
    this.#freeSlots.push(task.slot);
    task.worker = null;
  }

  /** Asks a running or prefetched task to stop: a shared flag for loops, a message for signals. */
  cancel(task: Task, reason: SerializedError): void {
    if (this.#control) Atomics.or(this.#control, task.slot, SLOT_CANCELLED);
    this.#post({ t: "cancel", id: task.id, reason });
  }

  /** Whether the worker began this task (after a crash: started tasks may have had effects). */
  started(task: Task): boolean {
    // Without shared memory we cannot know, so we assume the worse case: it started.
    return this.#control === null || (Atomics.load(this.#control, task.slot) & SLOT_STARTED) !== 0;
  }

  /**
   * After this worker died: takes `task` back unless the worker started it. True means it never
   * ran here and never will (the worker checks the claim before it starts a task), so it is safe
   * to run elsewhere. Without shared memory nothing can be claimed: false.
   */
  claim(task: Task): boolean {
    return this.#control !== null && claimSlot(this.#control, task.slot);
  }

  /** Changes how many async tasks the worker runs at once. */
  setConcurrency(value: number): void {
    this.#post({ t: "concurrency", value });
  }

  /** Sends a payload to the worker and back (the hand-off probe). */
  echo(payload: unknown, transfer: Transferable[] = []): void {
    this.#worker.postMessage({ t: "echo", payload } satisfies ToWorker, transfer);
    this.#wake();
  }

  /** Ends the worker now. Idempotent. */
  terminate(): void {
    clearTimeout(this.#lastWordTimer);
    clearTimeout(this.#startTimer);
    if (this.state === "exited") return;
    this.state = "exited";
    const mb = this.#mailbox;
    // A dozing worker watches its mailbox, not its messages: send it back to its event loop.
    if (mb) Atomics.compareExchange(mb.i32, MB_STATE, DOZING, AWAKE);
    this.#worker.terminate();
  }

  /**
   * Whether this worker keeps the process alive: only while it holds tasks, so a script that
   * forgets `close()` can exit once the pool is idle. Bun's workers have `ref()`/`unref()`;
   * Deno's have neither, and the pool retires idle Deno workers instead (see `minWorkers`).
   */
  #hold(on: boolean): void {
    if (this.#held === on) return;
    this.#held = on;
    const w = this.#worker as Worker & { ref?: () => void; unref?: () => void };
    if (on) w.ref?.();
    else w.unref?.();
  }

  #takeSlot(): number {
    return this.#freeSlots.pop() ?? this.#nextSlot++;
  }

  #post(message: ToWorker): void {
    if (this.state === "exited") return;
    this.#worker.postMessage(message);
    this.#wake();
  }

  /**
   * Called after every message posted to the worker: counts it as on its way, and wakes the
   * worker if it dozes, since a dozing worker reads no messages.
   */
  #wake(): void {
    const mb = this.#mailbox;
    if (mb === null) return;
    Atomics.add(mb.i32, MB_PENDING, 1);
    Atomics.compareExchange(mb.i32, MB_STATE, DOZING, AWAKE);
  }

  /**
   * The shared-memory fast path: hands `task` to the worker through its mailbox if the worker is
   * dozing and the input fits. Returns false (and changes nothing) otherwise; then send it.
   */
  tryHand(task: Task, expectedMs = Infinity): boolean {
    const mb = this.#mailbox;
    if (mb === null || this.state !== "ready" || this.inFlight.size !== 0) return false;
    if (Atomics.load(mb.i32, MB_STATE) !== DOZING) return false;
    const slot = this.#takeSlot();
    if (!writeRequest(mb, task.id, slot, task.name, task.input)) {
      this.#freeSlots.push(slot);
      return false;
    }
    const seq = Atomics.load(mb.i32, MB_REPLY_SEQ);
    // Claim the worker; fails if its doze just ended, and then the request is simply ignored.
    if (Atomics.compareExchange(mb.i32, MB_STATE, DOZING, HANDED) !== DOZING) {
      this.#freeSlots.push(slot);
      return false;
    }
    task.slot = slot;
    task.worker = this;
    this.inFlight.set(task.id, task);
    this.laneInFlight[task.lane]++;
    this.sent++;
    this.#hold(true);
    // A task expected to take only microseconds: watch for the reply for a moment rather than
    // go to sleep, since being woken costs more than the task (see the worker's doze).
    if (expectedMs < REPLY_SPIN_MS) {
      const until = performance.now() + REPLY_SPIN_MS;
      while (Atomics.load(mb.i32, MB_REPLY_SEQ) === seq && performance.now() < until) { /* spin */ }
    }
    this.#awaitReply(task.id, seq);
    return true;
  }

  #awaitReply(id: number, seq: number): void {
    // A bounded wait, renewed while the task is still ours: a worker that died mid-task must not
    // leave a wait pending forever.
    const result = waitAsync!(this.#mailbox!.i32, MB_REPLY_SEQ, seq, 1000);
    const onWake = () => {
      if (this.state === "exited" || !this.inFlight.has(id)) return;
      if (Atomics.load(this.#mailbox!.i32, MB_REPLY_SEQ) === seq) return this.#awaitReply(id, seq);
      const reply = readReply(this.#mailbox!);
      if (reply.viaMessage || reply.id !== id) return; // the result comes as a "done" message
      this.events.results(this, {
        t: "done",
        ids: [id],
        failed: null,
        values: [reply.value],
        busy: [reply.busyMs],
        run: [reply.runMs],
      });
    };
    if (result.async) result.value.then(onWake);
    else onWake();
  }

  /**
   * A sign of death that may not be the worker's last word. Judge at once when no task started
   * here (no result can be on its way); otherwise wait for the last word, or LAST_WORD_MS.
   */
  #dying(reason: string): void {
    if (this.state === "exited" || this.state === "dying") return;
    this.state = "dying";
    let startedAny = false;
    for (const task of this.inFlight.values()) if (this.started(task)) startedAny = true;
    if (!startedAny || this.#control === null) return this.#ended(reason);
    this.#lastWordTimer = setTimeout(() => this.#ended(reason), LAST_WORD_MS);
  }

  /** The worker's last word (or its end): every message it sent has arrived. */
  #ended(reason: string): void {
    if (this.state === "exited") return;
    this.terminate();
    this.events.exited(this, reason);
  }

  #onMessage(m: FromWorker): void {
    if (this.state === "exited") return;
    switch (m.t) {
      case "done":
        this.events.results(this, m);
        break;
      case "progress":
        this.events.progress(this, m.id, m.value);
        break;
      case "ready":
        clearTimeout(this.#startTimer);
        this.wasReady = true;
        if (this.state === "starting") this.state = "ready";
        if (this.inFlight.size === 0) this.#hold(false);
        this.events.ready(this);
        break;
      case "init-error":
        this.events.initError(this, m.error);
        break;
      case "exit":
        this.#ended(m.reason);
        break;
      case "echo":
        this.onEcho?.(m.payload);
        break;
    }
  }

  /** Set by the hand-off probe while it runs. */
  onEcho: ((payload: unknown) => void) | undefined;
}
