/**
 * Dispatch in inline mode (the seed's SEQUENTIAL strategy): the queued tasks run on the calling
 * thread, one at a time, in queue order, through the inline runner. It stands where the
 * dispatcher stands in a pool of workers, with the same `schedule()`.
 *
 * @module
 */
import type { Room } from "./backpressure.ts";
import type { Closing } from "./closing.ts";
import type { Drain } from "./drain.ts";
import type { InlineRunner } from "./inline_runner.ts";
import type { LaneQueues } from "./lane_queues.ts";
import type { TaskSettler } from "./task_settler.ts";

/** The parts inline dispatch works on. */
export interface InlineParts {
  readonly closing: Closing;
  readonly queues: LaneQueues;
  readonly room: Room;
  readonly settler: TaskSettler;
  readonly runner: InlineRunner;
  readonly drain: Drain;
}

/**
 * Runs a pool's queued tasks on this thread.
 *
 * @example
 * ```ts ignore
 * const dispatch = new InlineDispatch({ closing, queues, room, settler, runner, drain });
 * dispatch.schedule(); // after queueing a task
 * ```
 */
export class InlineDispatch {
  /** Inline mode hands nothing to a worker's mailbox (for the stats). */
  readonly handedOff = 0;
  #pending = false;
  readonly #turn = (): void => {
    this.#pending = false;
    this.#next();
  };

  constructor(readonly parts: InlineParts) {}

  /** Schedules a turn in a microtask: it starts the next task unless one is running. */
  schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    queueMicrotask(this.#turn);
  }

  /** Nothing to let go of: inline mode holds no port. */
  release(): void {}

  #next(): void {
    const { closing, queues, room, settler, runner, drain } = this.parts;
    if (closing.state === "closed") return;
    if (!runner.busy) {
      const task = queues.shift();
      if (task !== undefined) {
        runner.runTask(task).then((out) => {
          runner.finished();
          settler.settle(task, out);
          this.schedule();
        });
      }
    }
    room.admit();
    drain.maybeFinish();
  }
}
