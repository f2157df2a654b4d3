/**
 * The link for a worker on a thread of this process: a Web Worker (Deno, Bun, browsers) or a
 * Node `worker_threads` Worker. Both share memory with the pool, so this link gives the worker a
 * shared control buffer (per-task started/cancelled/claimed flags) and a mailbox for the
 * shared-memory fast path, and turns the thread's events into the link's: messages in order, an
 * error as a sign of death that may have overtaken them, an exit notice as the end. How a thread
 * starts and what its events look like is the `StartThread` function's business
 * (`web_worker_link.ts`, `node_worker_link.ts`).
 *
 * @module
 */
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
  SLEEPING,
  writeRequest,
} from "./mailbox.ts";
import { CONTROL_WORDS, type FromWorker, type ToWorker } from "./protocol.ts";
import type { StartThread, Thread } from "./thread.ts";
import type { LinkCapabilities, LinkedTask, LinkOptions } from "./link_types.ts";
import { type LinkEvents, WorkerLink } from "./worker_link.ts";

// Longest the pool watches for a fast-path reply before it waits asynchronously.
const REPLY_SPIN_MS = 0.02;
// Hand-offs made without watching for the reply after a watch that missed it.
const SKIPS_AFTER_MISS = 8;

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
 * One worker thread of the pool, whatever started it.
 *
 * @example
 * ```ts ignore
 * const url = new URL("./tasks.ts", import.meta.url).href;
 * const options = { moduleUrl: url, concurrency: 1, startTimeoutMs: 10_000 };
 * const w = new ThreadLink(1, options, events, startWebWorker, "web-worker");
 * ```
 */
export class ThreadLink<T extends LinkedTask = LinkedTask> extends WorkerLink<T> {
  readonly capabilities: LinkCapabilities;
  readonly transport: string;
  readonly #worker: Thread;
  readonly #control: Int32Array | null;
  readonly #mailbox: MailboxViews | null;
  // Hand-offs left to make without watching for the reply (see tryHand).
  #skipWatch = 0;

  constructor(
    id: number,
    options: LinkOptions,
    events: LinkEvents<T>,
    start: StartThread,
    transport: string,
  ) {
    super(id, options, events);
    this.transport = transport;
    const buffer = sharedMemory ? new SharedArrayBuffer(CONTROL_WORDS * 4) : null;
    this.#control = buffer ? new Int32Array(buffer) : null;
    const mailbox = sharedMemory && hasWaitAsync ? new SharedArrayBuffer(MAILBOX_BYTES) : null;
    this.#mailbox = mailbox ? mailboxViews(mailbox) : null;
    this.capabilities = { handOff: mailbox !== null, claim: buffer !== null };
    this.#worker = start(`workloom-${id}`, {
      message: (m: FromWorker) => this.receive(m),
      // An error the worker could not report in its last word (a worker that failed to start,
      // say). On Deno it may overtake results the worker sent before it: not the last word.
      error: (reason: string) => this.dying(reason),
      // Comes after every message the worker sent.
      exit: (reason: string) => this.ended(reason),
    });
    this.init(buffer, mailbox);
  }

  protected override get control(): Int32Array | null {
    return this.#control;
  }

  protected transmit(message: ToWorker, transfer: Transferable[]): void {
    const mb = this.#mailbox;
    if (mb === null) return this.#worker.post(message, transfer);
    // Counted as on its way before it is posted: the worker takes one off when it arrives, and
    // may do so before this thread runs again (a post that wakes the worker can hand it this
    // thread's core). Counted after, the worker would read -1 for a moment, take it for "no
    // message on its way" and not doze; under load that repeated with every post, and calls
    // that should have gone through the mailbox went by message.
    Atomics.add(mb.i32, MB_PENDING, 1);
    try {
      this.#worker.post(message, transfer);
    } catch (e) {
      Atomics.sub(mb.i32, MB_PENDING, 1); // not sent: not on its way
      throw e;
    }
    // A dozing worker watches its mailbox, not its messages: send it back to its event loop.
    this.#rouse(mb);
  }

  protected close(): void {
    const mb = this.#mailbox;
    // A dozing worker watches its mailbox, not its messages: send it back to its event loop.
    if (mb) this.#rouse(mb);
    this.#worker.terminate();
  }

  /** Where the thread can be unref'd (Bun, Node; not Deno, where the pool retires idle ones). */
  protected override setRef(on: boolean): void {
    if (on) this.#worker.ref();
    else this.#worker.unref();
  }

  /** Sends a dozing worker back to its event loop, waking it if it sleeps on the mailbox. */
  #rouse(mb: MailboxViews): void {
    if (Atomics.compareExchange(mb.i32, MB_STATE, DOZING, AWAKE) !== SLEEPING) return;
    if (Atomics.compareExchange(mb.i32, MB_STATE, SLEEPING, AWAKE) === SLEEPING) {
      Atomics.notify(mb.i32, MB_STATE);
    }
  }

  /**
   * The shared-memory fast path: hands `task` to the worker through its mailbox if the worker is
   * dozing and the input fits. Returns false (and changes nothing) otherwise; then send it.
   */
  override tryHand(task: T, expectedMs: number, now: number): boolean {
    const mb = this.#mailbox;
    if (mb === null || this.state !== "ready" || this.inFlight.size !== 0) return false;
    const watching = Atomics.load(mb.i32, MB_STATE);
    if (watching !== DOZING && watching !== SLEEPING) return false;
    const slot = this.takeSlot();
    if (!writeRequest(mb, task.id, slot, task.name, task.input)) {
      this.returnSlot(slot);
      return false;
    }
    const seq = Atomics.load(mb.i32, MB_REPLY_SEQ);
    // Claim the worker; fails if its doze just ended (or it fell asleep just now: then it is
    // claimed as a sleeper), and then the request is simply ignored.
    let was = Atomics.compareExchange(mb.i32, MB_STATE, DOZING, HANDED);
    if (was === SLEEPING) was = Atomics.compareExchange(mb.i32, MB_STATE, SLEEPING, HANDED);
    if (was !== DOZING && was !== SLEEPING) {
      this.returnSlot(slot);
      return false;
    }
    // A sleeping worker must be woken; one that spins sees the state change by itself.
    if (was === SLEEPING) Atomics.notify(mb.i32, MB_STATE);
    this.track(task, slot, now);
    // A task expected to take only microseconds: watch for the reply for a moment rather than
    // go to sleep, since being woken costs more than the task (see the worker's doze). Not for
    // a worker that slept: its wake-up alone outlasts the watch. And not right after a watch that
    // missed: on a loaded machine the worker is often off its core, and watching then only keeps
    // this thread off a core the worker needs (a round trip of ~40 µs on Bun here, against ~18
    // µs without the watch and ~3 µs when the watch catches the reply); one watch in
    // SKIPS_AFTER_MISS + 1 probes whether the machine has room again.
    if (was === DOZING && expectedMs < REPLY_SPIN_MS && this.#skipWatch-- <= 0) {
      const until = performance.now() + REPLY_SPIN_MS;
      while (Atomics.load(mb.i32, MB_REPLY_SEQ) === seq && performance.now() < until) { /* spin */ }
      this.#skipWatch = Atomics.load(mb.i32, MB_REPLY_SEQ) === seq ? SKIPS_AFTER_MISS : 0;
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
}
