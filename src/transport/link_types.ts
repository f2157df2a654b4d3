/**
 * The plain types of the transport seam (`worker_link.ts`): the task as a link sees it, a link's
 * lifecycle, capabilities and start options.
 *
 * @module
 */
import type { Lane } from "../lane.ts";

/** The engine's task as a link needs it (the engine's own record extends this). */
export interface LinkedTask {
  readonly id: number;
  readonly name: string;
  readonly input: unknown;
  readonly lane: Lane;
  readonly transfer: Transferable[] | undefined;
  /** Its slot in the worker's control flags while in flight. */
  readonly slot: number;
  /** The transition to in flight: `link` holds it in `slot` since `now` (see the engine's task). */
  send(link: unknown, slot: number, now: number): void;
}

/**
 * Lifecycle of a worker as the pool sees it. `dying`: it is ending and takes no tasks, and the
 * pool waits for its last word (see `ExitNotice`) before judging the tasks it holds.
 */
export type LinkState = "starting" | "ready" | "retiring" | "dying" | "exited";

/** What a transport can do beyond messages; the engine asks rather than assumes. */
export interface LinkCapabilities {
  /** Hands a lone task over through shared memory (`tryHand`). */
  readonly handOff: boolean;
  /**
   * Has shared per-task flags: `started()` is exact and `claim()` can take an unstarted task back
   * from a dying worker. Without them every task a dead worker held counts as started.
   */
  readonly claim: boolean;
}

/** Options every link is started with. */
export interface LinkOptions {
  /** The task module the worker imports. */
  moduleUrl: string;
  /** Async-lane tasks the worker runs at once. */
  concurrency: number;
  /** A worker not ready by then is ended: a failed start. */
  startTimeoutMs: number;
}
