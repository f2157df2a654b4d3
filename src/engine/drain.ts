/**
 * The end of a pool: noticing that a closing pool has drained (nothing queued, nothing waiting
 * for room, nothing in a worker or running inline), shutting it down (every task left rejects
 * with `PoolClosedError`, every worker ends, every timer stops), and failing every waiting call
 * at once when workers cannot start. The parts that see a task leave (admission on a cancel, the
 * worker reports on results and exits, the inline dispatch) are handed the drain and ask it.
 *
 * @module
 */
import type { Room } from "./backpressure.ts";
import type { Closing } from "./closing.ts";
import { PoolClosedError } from "../errors.ts";
import type { LaneQueues } from "./lane_queues.ts";
import type { Task } from "./task.ts";
import type { TaskSettler } from "./task_settler.ts";
import { serializeError } from "../transport/protocol.ts";
import type { WorkerSet } from "./worker_set.ts";

/** What the drain checks and ends. */
export interface DrainParts {
  readonly closing: Closing;
  readonly queues: LaneQueues;
  readonly room: Room;
  readonly workers: WorkerSet;
  readonly settler: TaskSettler;
  /** The dispatcher of a pool of workers (its turns stop, its port closes). */
  readonly dispatch?: { close(): void };
  /** The inline runner in inline mode: busy while a queued task runs on this thread. */
  readonly inline?: { readonly busy: boolean };
  /** The adaptive controller, when there is one (its timer stops). */
  readonly tuner?: { stop(): void };
}

/**
 * Finishes a pool's close.
 *
 * @example
 * ```ts ignore
 * const drain = new Drain({ closing, queues, room, workers, settler, dispatch });
 * closing.begin(undefined, () => {});
 * drain.maybeFinish(); // shuts the pool down once it has drained
 * ```
 */
export class Drain {
  constructor(readonly parts: DrainParts) {}

  /** Shuts a closing pool down once nothing is left to finish. */
  maybeFinish(): void {
    const { closing, queues, room, inline, workers } = this.parts;
    if (closing.state !== "closing") return;
    if (queues.size > 0 || room.waiting > 0 || inline?.busy) return;
    for (const w of workers.list) if (w.inFlight.size > 0) return;
    this.shutdown("");
  }

  /** Ends the pool now: what is left rejects with `PoolClosedError` saying `reason`. */
  shutdown(reason: string): void {
    const { closing, queues, room, workers, settler, dispatch, tuner } = this.parts;
    const error = () => new PoolClosedError(`The pool was closed: ${reason}`);
    closing.state = "closed";
    for (const task of [...room.drain(), ...queues.drain()]) {
      settler.settle(task, { ok: false, value: error() });
    }
    workers.endAll((task, w) => {
      const e = error();
      settler.settle(task, { ok: false, value: e });
      // Deno's terminate() cannot stop a thread spinning in a loop, and that thread keeps the
      // process alive: raise the cancelled flag first, so a task checking shouldStop() ends.
      w.cancel(task, serializeError(e));
    });
    tuner?.stop();
    workers.stop();
    dispatch?.close();
    room.release();
    closing.finish();
  }

  /**
   * Rejects `held` (tasks a worker took and never started) and every call waiting (queued or
   * for room) with `error`: the task module cannot load, or workers keep failing to start.
   */
  failWaiting(error: Error, held: Task[]): void {
    const { queues, room, settler } = this.parts;
    for (const task of held) if (task.state === "sent") task.reclaim();
    for (const task of [...held, ...queues.drain(), ...room.drain()]) {
      settler.settle(task, { ok: false, value: error });
    }
    room.release();
    this.maybeFinish();
  }
}
