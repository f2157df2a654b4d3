/**
 * The shell around the run loop (`task_runner.ts`) for a worker on a thread that shares memory
 * with the pool (a Web Worker, a Node worker thread): it feeds the loop the worker's messages,
 * hands it the thread's `post`, sends the pool its last word on every way a worker can end, and,
 * with nothing to do, watches the shared-memory mailbox for a moment (the fast path, see
 * `src/transport/mailbox.ts`). `web_worker.ts` and `node_worker.ts` start it with their port.
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
  writeReply,
} from "../src/transport/mailbox.ts";
import { TaskRunner } from "./task_runner.ts";

/** The thread's channel to the pool, as each runtime's shell provides it. */
export interface ShellPort {
  post(message: FromWorker): void;
  onMessage(receive: (message: ToWorker) => void): void;
  /**
   * After the spin, how long an idle worker goes on waiting for a hand-off, asleep in
   * `Atomics.wait` (no CPU); the pool wakes it by changing the state word and notifying. For a
   * page, which hears an answer and sends the next task long after the spin has ended.
   */
  idleWaitMs?: number;
}

// How long an idle worker watches its mailbox before it goes back to its event loop. A caller
// that awaits one task and sends the next is back within a few microseconds. The worker spins
// rather than sleeping in Atomics.wait: waking a sleeping thread costs ~30 µs on our VMs (and a
// system call on the pool's side), more than a small task takes; once back in its event loop,
// the worker is woken by the next message anyway.
const SPIN_MS = 0.05;

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
    runner.flush();
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
        // Then asleep, if the port says so: returns at once if the state is no longer DOZING.
        if (port.idleWaitMs && Atomics.load(state, MB_PENDING) === 0) {
          Atomics.wait(state, MB_STATE, DOZING, port.idleWaitMs);
        }
      }
      // Leave the doze unless the pool handed us a task: compareExchange, because the pool may
      // hand one over in the same instant that our watch ends.
      if (Atomics.compareExchange(state, MB_STATE, DOZING, AWAKE) !== HANDED) return;
      const { id, slot, name, input } = readRequest(mailbox);
      Atomics.store(state, MB_STATE, AWAKE);
      // null: the result (an error, an object, later) goes by message.
      writeReply(mailbox, id, runner.runHanded(id, slot, name, input, fitsMailbox));
      if (!runner.idle) return; // the task went async: its result needs the event loop
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
    if (m.t === "run") doze();
  });
}
