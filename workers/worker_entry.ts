/**
 * The worker side of the pool. It imports the task module named in the `init` message, runs the
 * tasks it is sent (up to `concurrency` async tasks at once; the rest wait here, prefetched), and
 * sends results back in batches: one message per batch of work rather than one per task, because
 * a message costs far more than a tiny task.
 *
 * @module
 */
import { endWorker, hookUncaughtErrors, hookWorkerExit } from "../src/adapter/worker_exit_hooks.ts";
import {
  type DoneBatch,
  type FromWorker,
  type SerializedError,
  serializeError,
  SLOT_CANCELLED,
  startSlot,
  type ToWorker,
} from "../src/protocol.ts";
import {
  AWAKE,
  DOZING,
  fitsMailbox,
  HANDED,
  type MailboxViews,
  mailboxViews,
  MB_PENDING,
  MB_STATE,
  readRequest,
  writeReply,
} from "../src/mailbox.ts";
import { WorkerTaskContext } from "../src/task_context.ts";

type TaskFn = (input: unknown, ctx: WorkerTaskContext) => unknown;

// After this long without sending, results go out even in the middle of a batch, so that one
// slow task does not hold back the results of the quick ones before it.
const FLUSH_AFTER_MS = 1;

// Names of tasks whose last call ran synchronously for less than FLUSH_AFTER_MS. Before any other
// task starts, the results waiting to be sent go out: a long synchronous task would otherwise hold
// back the results of the quick ones before it until it returns (past a caller's deadline), and
// lose them if its worker is killed. Unknown names count as slow, which costs one message once.
const quick = new Set<string>();

function noteBusy(name: string, ms: number): void {
  if (ms < FLUSH_AFTER_MS) quick.add(name);
  else quick.delete(name);
}

const post = (message: FromWorker) => (self as unknown as Worker).postMessage(message);

let tasks: Record<string, unknown> | null = null;
let moduleUrl = "";
let control: Int32Array | null = null;
let concurrency = 1;
let running = 0;
const active = new Map<number, WorkerTaskContext>();
let lastFlush = 0;
let flushQueued = false;
// Set once the worker has sent its last word (see lastWord): from then on it starts no task.
let dying = false;

// Prefetched tasks, as columns with a moving head (see RunBatch).
let qIds: number[] = [];
let qSlots: number[] = [];
let qNames: string[] = [];
let qInputs: unknown[] = [];
let qHead = 0;

let out: DoneBatch = emptyBatch();
let mailbox: MailboxViews | null = null;

// How long an idle worker watches its mailbox before it goes back to its event loop. A caller
// that awaits one task and sends the next is back within a few microseconds. The worker spins
// rather than sleeping in Atomics.wait: waking a sleeping thread costs ~30 µs on our VMs (and a
// system call on the pool's side), more than a small task takes; once back in its event loop,
// the worker is woken by the next message anyway.
const SPIN_MS = 0.05;

/**
 * The fast path (see src/mailbox.ts): with nothing to do, watch the mailbox for SPIN_MS before
 * returning to the event loop, and run what the pool hands over there. Returns when the watch
 * ends, when a message is on its way, or when a handed task goes async.
 */
function doze(): void {
  if (mailbox === null || tasks === null || dying || running > 0 || qHead < qIds.length) return;
  flush();
  const state = mailbox.i32;
  for (;;) {
    Atomics.store(state, MB_STATE, DOZING);
    // A message on its way must be read in the event loop: do not doze past it. One posted after
    // we said DOZING flips the state to AWAKE (the pool does that on every post).
    if (Atomics.load(state, MB_PENDING) > 0) {
      if (Atomics.compareExchange(state, MB_STATE, DOZING, AWAKE) === DOZING) return;
    } else {
      const until = performance.now() + SPIN_MS;
      while (
        Atomics.load(state, MB_STATE) === DOZING && Atomics.load(state, MB_PENDING) === 0 &&
        performance.now() < until
      ) { /* spin */ }
    }
    // Leave the doze unless the pool handed us a task: compareExchange, because the pool may
    // hand one over in the same instant that our watch ends.
    if (Atomics.compareExchange(state, MB_STATE, DOZING, AWAKE) !== HANDED) return;
    const { id, slot, name, input } = readRequest(mailbox);
    Atomics.store(state, MB_STATE, AWAKE);
    start(id, slot, name, input);
    const last = out.ids.length - 1;
    const failed = out.failed !== null && out.failed[out.failed.length - 1] === last;
    if (last >= 0 && out.ids[last] === id && !failed && fitsMailbox(out.values[last])) {
      const value = out.values.pop();
      out.ids.pop();
      writeReply(mailbox, id, { value, busyMs: out.busy.pop()!, runMs: out.run.pop()! });
    } else {
      writeReply(mailbox, id, null); // the result (an error, an object, later) goes by message
      flush();
    }
    if (running > 0) return; // the task went async: its result needs the event loop
  }
}

function emptyBatch(): DoneBatch {
  return { t: "done", ids: [], failed: null, values: [], busy: [], run: [] };
}

function postProgress(id: number, value: unknown): void {
  post({ t: "progress", id, value });
}

function flush(): void {
  flushQueued = false;
  if (out.ids.length === 0) return;
  const batch = out;
  out = emptyBatch();
  lastFlush = performance.now();
  try {
    post(batch);
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
        post(one(batch.values[i], failed));
      } catch (e) {
        const error = serializeError(e);
        error.message = `Cannot send the result of the task back to the pool: ${error.message}`;
        post(one(error, true));
      }
    }
  }
}

function settle(id: number, ok: boolean, value: unknown, busy: number, run: number): void {
  if (!ok) (out.failed ??= []).push(out.ids.length);
  out.ids.push(id);
  out.values.push(value);
  out.busy.push(busy);
  out.run.push(run);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

function noSuchTask(name: string): SerializedError {
  const names = Object.keys(tasks ?? {}).filter((k) => typeof tasks![k] === "function");
  return serializeError(
    new TypeError(
      `Cannot run task '${name}' as the task module ${moduleUrl} exports no function of that name ` +
        `(it exports: ${names.join(", ") || "nothing"})`,
    ),
  );
}

function start(id: number, slot: number, name: string, input: unknown): void {
  if (dying) return; // the pool runs it elsewhere (see lastWord)
  if (control !== null) {
    const before = startSlot(control, slot);
    if (before < 0) return; // the pool claimed it back after judging this worker dead
    if (before & SLOT_CANCELLED) {
      settle(id, false, { name: "AbortError", message: "cancelled before it started" }, 0, 0);
      return;
    }
  }
  const fn = tasks![name];
  if (typeof fn !== "function") {
    settle(id, false, noSuchTask(name), 0, 0);
    return;
  }
  const ctx = new WorkerTaskContext(id, slot, control, postProgress);
  const t0 = performance.now();
  let value: unknown;
  try {
    value = (fn as TaskFn)(input, ctx);
  } catch (e) {
    ctx.done = true;
    const t = performance.now() - t0;
    noteBusy(name, t);
    settle(id, false, serializeError(e), t, t);
    return;
  }
  const busy = performance.now() - t0;
  noteBusy(name, busy);
  if (value !== null && typeof (value as PromiseLike<unknown>)?.then === "function") {
    running++;
    active.set(id, ctx);
    const done = (ok: boolean, v: unknown) => {
      running--;
      active.delete(id);
      ctx.done = true;
      settle(id, ok, ok ? v : serializeError(v), busy, performance.now() - t0);
      pump();
    };
    (value as PromiseLike<unknown>).then((v) => done(true, v), (e) => done(false, e));
  } else {
    ctx.done = true;
    settle(id, true, value, busy, busy);
  }
}

function pump(): void {
  if (tasks === null || dying) return;
  while (qHead < qIds.length && running < concurrency) {
    const i = qHead++;
    const input = qInputs[i];
    qInputs[i] = undefined; // let the input be collected while later tasks run
    const name = qNames[i];
    if (out.ids.length > 0 && !quick.has(name)) flush();
    start(qIds[i], qSlots[i], name, input);
    if (performance.now() - lastFlush > FLUSH_AFTER_MS) flush();
  }
  if (qHead === qIds.length) {
    qIds = [];
    qSlots = [];
    qNames = [];
    qInputs = [];
    qHead = 0;
  }
}

async function init(url: string, buffer: SharedArrayBuffer | null): Promise<void> {
  moduleUrl = url;
  control = buffer ? new Int32Array(buffer) : null;
  try {
    tasks = await import(url);
  } catch (e) {
    post({ t: "init-error", error: serializeError(e) });
    return;
  }
  post({ t: "ready" });
  pump();
  flush();
}

/**
 * The end-of-worker protocol. As the worker ends (it called `process.exit()` or `self.close()`, or
 * an uncaught error is ending it), it sends the results it still holds, then its last word, and
 * from then on starts nothing. Messages keep their order on the worker's channel, so when the
 * last word reaches the pool every result sent before it has arrived too: the pool settles what
 * finished, fails what was running, and runs what never started elsewhere. Without the last word
 * (Deno lets a worker's error event overtake its earlier messages; a dying worker may keep running
 * for the rest of its turn after `self.close()`) the pool would judge too early or too late.
 */
function lastWord(reason: string): void {
  if (dying) return;
  dying = true;
  // Results of tasks that finished earlier in this turn are still waiting for their microtask
  // flush, which will never run: send them first, or the pool counts those tasks as crashed.
  flush();
  post({ t: "exit", reason });
}

hookWorkerExit(lastWord);
// An uncaught error still ends the worker (its state may be broken), but only after its last word.
hookUncaughtErrors((reason) => {
  lastWord(reason);
  endWorker(1);
});

(self as unknown as Worker).onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.t === "init" && m.mailbox) mailbox = mailboxViews(m.mailbox);
  // This message has arrived: it no longer holds the worker out of its doze (see doze()).
  if (mailbox !== null) Atomics.sub(mailbox.i32, MB_PENDING, 1);
  switch (m.t) {
    case "run": {
      const n = m.ids.length;
      if (qIds.length === 0) {
        // The usual case: nothing waiting, so the batch's own arrays become the queue.
        qIds = m.ids;
        qSlots = m.slots;
        qInputs = m.inputs;
        qNames = typeof m.names === "string" ? new Array(n).fill(m.names) : m.names;
      } else {
        for (let i = 0; i < n; i++) {
          qIds.push(m.ids[i]);
          qSlots.push(m.slots[i]);
          qInputs.push(m.inputs[i]);
          qNames.push(typeof m.names === "string" ? m.names : m.names[i]);
        }
      }
      pump();
      flush();
      doze();
      break;
    }
    case "cancel": {
      const error = Object.assign(new Error(m.reason.message), { name: m.reason.name });
      active.get(m.id)?.cancel(error);
      break;
    }
    case "concurrency":
      concurrency = m.value;
      pump();
      break;
    case "echo":
      post({ t: "echo", payload: m.payload });
      break;
    case "init":
      concurrency = m.concurrency;
      init(m.module, m.control);
      break;
  }
};
