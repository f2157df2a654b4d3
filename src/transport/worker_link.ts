/**
 * The transport seam: what the engine sees of one worker, whatever carries its messages (a Web
 * Worker, a child process, an in-process fake). This base keeps the bookkeeping every transport
 * shares (the tasks in flight and their slots, the lifecycle, the start-up deadline, the
 * end-of-worker protocol) and speaks the protocol in `protocol.ts`; a transport adds how a
 * message travels (`transmit`), how the worker ends (`close`), and the capabilities it has, such
 * as shared-memory task flags or the mailbox fast path. The engine depends on this class and on a
 * `SpawnLink` function it is given, never on a concrete transport.
 *
 * @module
 */
import {
  claimSlot,
  type DoneBatch,
  type FromWorker,
  RESULTS_POSTED,
  type RunBatch,
  type SerializedError,
  SLOT_CANCELLED,
  SLOT_FREE,
  SLOT_STARTED,
  SLOTS_PER_WORKER,
  type ToWorker,
} from "./protocol.ts";
import type { Lane } from "../lane.ts";
import type { LinkCapabilities, LinkedTask, LinkOptions, LinkState } from "./link_types.ts";

/** What a link reports to the engine. */
export interface LinkEvents<T extends LinkedTask = LinkedTask> {
  ready(link: WorkerLink<T>): void;
  initError(link: WorkerLink<T>, error: SerializedError): void;
  results(link: WorkerLink<T>, batch: DoneBatch): void;
  progress(link: WorkerLink<T>, id: number, value: unknown): void;
  /** A streaming task sent a chunk (see `pool.stream()`). */
  chunk?(link: WorkerLink<T>, id: number, value: unknown): void;
  exited(link: WorkerLink<T>, reason: string): void;
  /**
   * The worker asks to be retired after its current tasks and replaced (a child process past its
   * TTL or its memory limit).
   */
  recycle?(link: WorkerLink<T>, reason: string): void;
}

/**
 * Starts a worker and returns its link: what a pool is given to make workers.
 *
 * @example
 * ```ts ignore
 * const spawn: SpawnLink = (id, options, events) => new WebWorkerLink(id, options, events);
 * ```
 */
export type SpawnLink = <T extends LinkedTask>(
  id: number,
  options: LinkOptions,
  events: LinkEvents<T>,
) => WorkerLink<T>;

/**
 * How long a dying worker's last word may take to arrive after an error event that may have
 * overtaken it, before the pool judges its tasks without it. Only a worker that started tasks
 * waits: their results may still be on the way.
 */
const LAST_WORD_MS = 2000;

/**
 * One worker of the pool, seen through its transport (see the module doc).
 *
 * @example
 * ```ts ignore
 * class MyLink extends WorkerLink {
 *   protected transmit(m: ToWorker): void { channel.send(m); }
 *   protected close(): void { channel.close(); }
 * }
 * ```
 */
export abstract class WorkerLink<T extends LinkedTask = LinkedTask> {
  state: LinkState = "starting";
  /** Tasks sent and not yet reported back, by id. */
  readonly inFlight: Map<number, T> = new Map<number, T>();
  /** Tasks in flight per lane, for the dispatcher's room. */
  readonly laneInFlight: Record<Lane, number> = { worker: 0, async: 0 };
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
  /** True once the worker loaded the task module and said it is ready. */
  wasReady = false;
  /** True once the worker was judged unresponsive (a child process whose heartbeat stopped). */
  unresponsive = false;
  /** Set by the hand-off probe while it runs. */
  onEcho: ((payload: unknown) => void) | undefined;
  abstract readonly capabilities: LinkCapabilities;
  readonly #freeSlots: number[] = [];
  #nextSlot = 0;
  #resultsRead = 0; // results read from its messages, wrapping as the worker's count does
  #lastWordTimer: ReturnType<typeof setTimeout> | undefined;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  #held = true;
  #echoes = 0; // echoes sent and not yet back (the hand-off probe)

  constructor(
    readonly id: number,
    readonly options: LinkOptions,
    readonly events: LinkEvents<T>,
  ) {
    this.idleSince = this.startedAt;
    // A module whose top-level await never settles would hold its calls forever.
    this.#startTimer = setTimeout(
      () => this.ended(`the worker did not start within ${options.startTimeoutMs} ms`),
      options.startTimeoutMs,
    );
  }

  /** Sends one message to the worker; throws if it cannot be cloned. */
  protected abstract transmit(message: ToWorker, transfer: Transferable[]): void;
  /** Ends the worker and its channel now. */
  protected abstract close(): void;
  /** The shared per-task flags, when the transport has them (see `LinkCapabilities.claim`). */
  protected get control(): Int32Array | null {
    return null;
  }
  /** What the transport is, for metrics and diagnostics ("web-worker", "process", …). */
  abstract readonly transport: string;
  /** The worker's process id, where it has a process of its own. */
  get pid(): number | null {
    return null;
  }
  /** The worker's resident memory in bytes as last reported, where the transport can see it. */
  get memoryBytes(): number | null {
    return null;
  }
  /** Whether this worker keeps the process alive (where the transport can say). */
  protected setRef(_on: boolean): void {}

  /** The first message to a new worker: what to load, and its shared buffers. */
  protected init(control: SharedArrayBuffer | null, mailbox: SharedArrayBuffer | null): void {
    const { moduleUrl, concurrency } = this.options;
    this.#post({ t: "init", module: moduleUrl, control, mailbox, concurrency });
  }

  /** True while it accepts new tasks (not retiring or gone). */
  get taking(): boolean {
    return this.state === "starting" || this.state === "ready";
  }

  /** Slots still free for tasks. */
  get freeSlots(): number {
    return SLOTS_PER_WORKER - this.inFlight.size;
  }

  /**
   * Sends tasks as one message (each becomes `sent` at `now`); returns the tasks that could not
   * be sent, with the error: the link forgot them, and they are still `sent` for their owner to
   * reclaim.
   */
  send(tasks: T[], now: number = performance.now()): { task: T; error: unknown }[] {
    const n = tasks.length;
    const ids: number[] = new Array(n);
    const slots: number[] = new Array(n);
    const inputs: unknown[] = new Array(n);
    const first = tasks[0].name;
    let names: string | string[] = first;
    let transfer: Transferable[] | undefined;
    // Only a batch holding a streaming task carries the windows column.
    let windows: number[] | undefined;
    for (let i = 0; i < n; i++) {
      const task = tasks[i];
      this.track(task, this.#takeSlot(), now);
      ids[i] = task.id;
      slots[i] = task.slot;
      inputs[i] = task.input;
      if (task.name !== first && typeof names === "string") names = tasks.map((t) => t.name);
      if (task.transfer) (transfer ??= []).push(...task.transfer);
      if (task.window) (windows ??= new Array(n).fill(0))[i] = task.window;
    }
    try {
      const batch: RunBatch = { t: "run", ids, slots, names, inputs };
      if (windows) batch.windows = windows;
      this.transmit(batch, transfer ?? []);
      return [];
    } catch {
      // Something in the batch cannot be cloned: send one by one to find which.
      const failed: { task: T; error: unknown }[] = [];
      for (let i = 0; i < n; i++) {
        const task = tasks[i];
        try {
          const one: RunBatch = {
            t: "run",
            ids: [ids[i]],
            slots: [slots[i]],
            names: task.name,
            inputs: [inputs[i]],
          };
          if (task.window) one.windows = [task.window];
          this.transmit(one, task.transfer ?? []);
        } catch (error) {
          this.release(task);
          this.sent--;
          failed.push({ task, error });
        }
      }
      return failed;
    }
  }

  /** Records `task` as in flight here in `slot` (sent, or handed over some other way). */
  protected track(task: T, slot: number, now: number): void {
    task.send(this, slot, now);
    this.inFlight.set(task.id, task);
    this.laneInFlight[task.lane]++;
    this.sent++;
    this.#hold(true);
  }

  /** Forgets a task the worker reported on, freeing its slot. */
  release(task: T): void {
    if (this.inFlight.delete(task.id)) {
      this.laneInFlight[task.lane]--;
      if (this.#owesNothing) this.#hold(false);
    }
    const control = this.control;
    if (control) Atomics.store(control, task.slot, SLOT_FREE);
    this.#freeSlots.push(task.slot);
  }

  /** Asks a running or prefetched task to stop: a shared flag for loops, a message for signals. */
  cancel(task: T, reason: SerializedError): void {
    const control = this.control;
    if (control) Atomics.or(control, task.slot, SLOT_CANCELLED);
    this.#post({ t: "cancel", id: task.id, reason });
  }

  /** The caller of streaming `task` read `n` more of its chunks: the worker may send `n` more. */
  credit(task: T, n: number): void {
    this.#post({ t: "credit", id: task.id, n });
  }

  /** Whether the worker posted results not read here yet (ending it now would drop them). */
  resultsOnTheirWay(): boolean {
    const control = this.control;
    return control !== null && Atomics.load(control, RESULTS_POSTED) !== this.#resultsRead;
  }

  /** Whether the worker began this task (after a crash: started tasks may have had effects). */
  started(task: T): boolean {
    // Without shared flags we cannot know, so we assume the worse case: it started.
    const control = this.control;
    return control === null || (Atomics.load(control, task.slot) & SLOT_STARTED) !== 0;
  }

  /**
   * After this worker died: takes `task` back unless the worker started it. True means it never
   * ran here and never will (the worker checks the claim before it starts a task), so it is safe
   * to run elsewhere. Without shared flags nothing can be claimed: false.
   */
  claim(task: T): boolean {
    const control = this.control;
    return control !== null && claimSlot(control, task.slot);
  }

  /** Changes how many async tasks the worker runs at once. */
  setConcurrency(value: number): void {
    this.#post({ t: "concurrency", value });
  }

  /** Sends a payload to the worker and back (the hand-off probe). */
  echo(payload: unknown, transfer: Transferable[] = []): void {
    this.transmit({ t: "echo", payload }, transfer);
    this.#echoes++;
    this.#hold(true);
  }

  /**
   * The shared-memory fast path: hands `task` over if the transport can and the worker is
   * watching for one; false (and nothing changed) otherwise, and then it is sent.
   */
  tryHand(_task: T, _expectedMs: number, _now: number): boolean {
    return false;
  }

  /**
   * Ends a worker whose task will not stop; the pool hears `exited` once its tasks can be judged
   * (at once here; a child process waits until its stream has been read to the end).
   */
  kill(reason: string): void {
    this.ended(reason);
  }

  /** Resolves once the worker is really gone (a child process reaped); at once by default. */
  gone(): Promise<void> {
    return Promise.resolve();
  }

  /** Ends the worker now. Idempotent. */
  terminate(): void {
    clearTimeout(this.#lastWordTimer);
    clearTimeout(this.#startTimer);
    if (this.state === "exited") return;
    this.state = "exited";
    this.close();
  }

  /** The transport delivers each message from the worker here, in order. */
  protected receive(m: FromWorker): void {
    if (this.state === "exited") return;
    switch (m.t) {
      case "done":
        this.#resultsRead = (this.#resultsRead + m.ids.length) | 0;
        this.events.results(this, m);
        break;
      case "progress":
        this.events.progress(this, m.id, m.value);
        break;
      case "chunk":
        this.events.chunk?.(this, m.id, m.value);
        break;
      case "ready":
        clearTimeout(this.#startTimer);
        this.wasReady = true;
        if (this.state === "starting") this.state = "ready";
        if (this.#owesNothing) this.#hold(false);
        this.events.ready(this);
        break;
      case "init-error":
        this.events.initError(this, m.error);
        break;
      case "exit":
        this.ended(m.reason);
        break;
      case "echo":
        this.#echoes--;
        if (this.#owesNothing) this.#hold(false);
        this.onEcho?.(m.payload);
        break;
    }
  }

  /**
   * A sign of death that may not be the worker's last word (an error event can overtake the
   * worker's messages). Judge at once when no task started here (no result can be on its way);
   * otherwise wait for the last word, or LAST_WORD_MS.
   */
  protected dying(reason: string): void {
    if (this.state === "exited" || this.state === "dying") return;
    this.state = "dying";
    let startedAny = false;
    for (const task of this.inFlight.values()) if (this.started(task)) startedAny = true;
    if (!startedAny || this.control === null) return this.ended(reason);
    this.#lastWordTimer = setTimeout(() => this.ended(reason), LAST_WORD_MS);
  }

  /** The worker's last word, or its end: every message it sent has arrived. */
  protected ended(reason: string): void {
    if (this.state === "exited") return;
    this.terminate();
    this.events.exited(this, reason);
  }

  #post(message: ToWorker): void {
    if (this.state === "exited") return;
    this.transmit(message, []);
  }

  /**
   * Whether this worker keeps the process alive: only while it owes an answer (a task, or the
   * hand-off probe's echo), so a script that forgets `close()` can exit once the pool is idle,
   * and one awaiting an answer is not ended under it with the promise pending.
   */
  #hold(on: boolean): void {
    if (this.#held === on) return;
    this.#held = on;
    this.setRef(on);
  }

  /** True when no task and no echo is out: nothing to keep the process alive for. */
  get #owesNothing(): boolean {
    return this.inFlight.size === 0 && this.#echoes === 0;
  }

  #takeSlot(): number {
    return this.#freeSlots.pop() ?? this.#nextSlot++;
  }

  /** A free slot for a task handed over outside `send` (see `tryHand`); give it back if unused. */
  protected takeSlot(): number {
    return this.#takeSlot();
  }

  /** Returns a slot taken with `takeSlot` and not used. */
  protected returnSlot(slot: number): void {
    this.#freeSlots.push(slot);
  }
}
