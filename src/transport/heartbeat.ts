/**
 * The heartbeat of a child process, as pure policy over an injected clock. Every
 * `intervalMs` the pool pings the child; a ping with no frame at all from the child within
 * `timeoutMs` of being sent is missed; `maxMissed` missed in a row mean the child is unresponsive,
 * and it is killed. So a child whose event loop is blocked is found about
 * `timeoutMs + (maxMissed − 1) × intervalMs` after it stopped answering.
 *
 * A long synchronous task blocks the child's only JavaScript thread, and with it every pong: the
 * check is paused while the child is inside a task's call (it said `started` and has said nothing
 * since). Such a task is covered by its own `timeoutMs` and the kill after `cancelGraceMs`, not by
 * the heartbeat. A task that goes async hands the thread back, the child answers again, and the
 * check resumes.
 *
 * @module
 */

/** Heartbeat settings (validated with the pool's options). */
export interface HeartbeatOptions {
  /** Time between pings; 0 turns the heartbeat off. */
  intervalMs: number;
  /** A ping not answered (by any frame) within this long is missed. */
  timeoutMs: number;
  /** Missed pings in a row after which the child is unresponsive. */
  maxMissed: number;
}

/**
 * One child's heartbeat state.
 *
 * @example
 * ```ts
 * import { Heartbeat } from "./heartbeat.ts";
 * const hb = new Heartbeat({ intervalMs: 10, timeoutMs: 15, maxMissed: 2 });
 * hb.tick(0); hb.tick(10); hb.tick(20);
 * console.log(hb.tick(40)); // "unresponsive"
 * ```
 */
export class Heartbeat {
  /** Pings sent and not yet answered: their send times, oldest first. */
  #outstanding: number[] = [];
  #missed = 0;
  #paused = false;
  #seq = 0;

  constructor(readonly options: HeartbeatOptions) {}

  /** Missed pings in a row so far. */
  get missed(): number {
    return this.#missed;
  }

  /** Any frame from the child: it is alive, and every ping so far counts as answered. */
  heard(): void {
    this.#outstanding.length = 0;
    this.#missed = 0;
  }

  /** The child is inside a task's synchronous call (true) or back in its event loop (false). */
  pause(on: boolean): void {
    this.#paused = on;
    if (on) this.heard();
  }

  /**
   * Called every `intervalMs` at time `now`: "ping" (send one, with `seq`), "wait" (paused), or
   * "unresponsive" (kill the child).
   */
  tick(now: number): "ping" | "wait" | "unresponsive" {
    if (this.#paused) return "wait";
    const { timeoutMs, maxMissed } = this.options;
    while (this.#outstanding.length > 0 && now - this.#outstanding[0] >= timeoutMs) {
      this.#outstanding.shift();
      this.#missed++;
    }
    if (this.#missed >= maxMissed) return "unresponsive";
    this.#outstanding.push(now);
    this.#seq++;
    return "ping";
  }

  /** The sequence number of the last ping. */
  get seq(): number {
    return this.#seq;
  }
}
