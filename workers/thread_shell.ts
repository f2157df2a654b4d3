/**
 * The shell around the run loop (`task_runner.ts`) for a worker on a thread that shares memory
 * with the pool (a Web Worker, a Node worker thread): it feeds the loop the worker's messages,
 * hands it the thread's `post`, sends the pool its last word on every way a worker can end, and,
 * with nothing to do after a lone task, watches the shared-memory mailbox for a moment (the fast
 * path, see `src/transport/mailbox.ts`). `web_worker.ts` and `node_worker.ts` start it with their
 * port.
 *
 * @module
 */
import { endWorker, hookUncaughtErrors, hookWorkerExit } from "../src/adapter/worker_exit_hooks.ts";
import type { FromWorker, ToWorker } from "../src/transport/protocol.ts";
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
  SLEEPING,
  writeReply,
} from "../src/transport/mailbox.ts";
import { TaskRunner } from "./task_runner.ts";

/** The thread's channel to the pool, as each runtime's shell provides it. */
export interface ShellPort {
  post(message: FromWorker): void;
  onMessage(receive: (message: ToWorker) => void): void;
}

// How long an idle worker spins on its mailbox before it sleeps on it. A caller that awaits one
// task and sends the next is back within a few microseconds on a quiet machine: spinning catches
// it without the ~30 µs it costs to wake a sleeping thread.
const SPIN_MS = 0.05;
// How long it then sleeps on the mailbox (Atomics.wait, no CPU) before it goes back to its event
// loop. A caller slower than the spin (a loaded machine; Bun, whose round trip through its event
// loop is longer than the spin) still finds the worker dozing and hands the task over: the pool
// notifies on every hand-off and on every message it posts, so a sleeping worker neither misses
// a task nor a message. Bounded, so that an idle worker returns to its event loop (its module's
// own timers) soon after its last task.
const WAIT_MS = 50;

/**
 * Sleeps on the mailbox's state word while it says SLEEPING, at most WAIT_MS. Atomics.wait may
 * return with nothing changed (Bun's does, now and then: a worker that took that for a hand-off
 * or a post left its doze with a task on its way, and the pool sent it by message): wait again
 * for the time left.
 */
function sleep(state: Int32Array): void {
  const end = performance.now() + WAIT_MS;
  for (;;) {
    const left = end - performance.now();
    if (left <= 0) return;
    Atomics.wait(state, MB_STATE, SLEEPING, left);
    if (Atomics.load(state, MB_STATE) !== SLEEPING) return;
  }
}

/**
 * Runs this thread as a worker of the pool, talking over `port`.
 *
 * @example
 * ```ts ignore
 * import { startThreadShell } from "./thread_shell.ts";
 * startThreadShell({ post: (m) => postMessage(m), onMessage: (f) => onmessage = (e) => f(e.data) });
 * ```
 */
export function startThreadShell(port: ShellPort): void {
  const runner = new TaskRunner((message: FromWorker) => port.post(message));
  let mailbox: MailboxViews | null = null;

  /**
   * The fast path: with nothing to do, watch the mailbox for SPIN_MS before returning to the event
   * loop, and run what the pool hands over there. Returns when the watch ends, when a message is on
   * its way, or when a handed task goes async.
   */
  function doze(): void {
    if (mailbox === null || !runner.idle) return;
    const state = mailbox.i32;
    // Dozing before the results go out: the pool may hand over its next task as soon as it has
    // read them, and must find the worker watching, not still on its way here.
    Atomics.store(state, MB_STATE, DOZING);
    runner.flush();
    for (;;) {
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
        // Then sleep until the pool changes the state word (it notifies a sleeper on a hand-off
        // and on a post). SLEEPING, not DOZING, tells the pool not to spin for the reply.
        if (
          Atomics.load(state, MB_PENDING) === 0 &&
          Atomics.compareExchange(state, MB_STATE, DOZING, SLEEPING) === DOZING
        ) sleep(state);
      }
      // Leave the doze unless the pool handed us a task: compareExchange, because the pool may
      // hand one over in the same instant that our watch ends.
      let was = Atomics.compareExchange(state, MB_STATE, DOZING, AWAKE);
      if (was === SLEEPING) was = Atomics.compareExchange(state, MB_STATE, SLEEPING, AWAKE);
      if (was !== HANDED) return;
      const { id, slot, name, input } = readRequest(mailbox);
      Atomics.store(state, MB_STATE, AWAKE);
      // null: the result (an error, an object, later) goes by message.
      const reply = runner.runHanded(id, slot, name, input, fitsMailbox);
      if (!runner.idle) { // the task went async: its result needs the event loop
        writeReply(mailbox, id, reply);
        return;
      }
      // Dozing again before the reply, for the same reason as before the first flush: the pool
      // reads the reply and hands over the next task in one go.
      Atomics.store(state, MB_STATE, DOZING);
      writeReply(mailbox, id, reply);
    }
  }

  hookWorkerExit((reason) => runner.lastWord(reason));
  // An uncaught error still ends the worker (its state may be broken), but only after its last word.
  hookUncaughtErrors((reason) => {
    runner.lastWord(reason);
    endWorker(1);
  });

  port.onMessage((m: ToWorker) => {
    if (m.t === "init" && m.mailbox) mailbox = mailboxViews(m.mailbox);
    // This message has arrived: it no longer holds the worker out of its doze (see doze()).
    if (mailbox !== null) Atomics.sub(mailbox.i32, MB_PENDING, 1);
    runner.receive(m);
    // Doze after a lone task: that is what a caller awaiting one call at a time sends. A batch
    // means the pool has a backlog, whose next tasks come by message too: dozing then would only
    // make the pool wake this thread for each post, and its spin would hold a core the pool's
    // thread needs to read the results (bench/dispatch.ts's no-op rounds: about +12 % on Deno and
    // +23 % on Bun without it). The event loop, where a post finds it, is where it waits instead.
    if (m.t === "run" && m.ids.length === 1) doze();
  });
}
