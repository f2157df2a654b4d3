/**
 * The pool's events, for metrics and the dashboard. Listeners are called synchronously; the pool
 * builds an event only when someone listens, so unobserved pools pay nothing on the hot path.
 *
 * @module
 */

/** Every event the pool emits, with its payload. */
export interface PoolEventMap {
  taskQueued: { id: number; name: string; priority: number };
  /** The task was handed to a worker (it may wait briefly there behind prefetched tasks). */
  taskStarted: { id: number; name: string; workerId: number; waitMs: number };
  taskFinished: {
    id: number;
    name: string;
    workerId: number;
    waitMs: number;
    runMs: number;
    busyMs: number;
  };
  taskFailed: { id: number; name: string; error: unknown };
  workerSpawned: { workerId: number };
  workerExited: { workerId: number; reason: string };
}

/** Name of a pool event. */
export type PoolEventName = keyof PoolEventMap;

/**
 * A minimal typed emitter.
 *
 * @example
 * ```ts
 * import { PoolEvents } from "./pool_events.ts";
 * const events = new PoolEvents();
 * const off = events.on("workerSpawned", (e) => console.log(e.workerId));
 * events.emit("workerSpawned", { workerId: 1 });
 * off();
 * ```
 */
export class PoolEvents {
  // Keyed loosely inside; `on` and `emit` keep the payload types tied to the event name.
  #listeners = new Map<PoolEventName, Set<(payload: never) => void>>();
  /**
   * Listeners per event name, kept by `on` and its remover alone. The hot path reads it as a
   * field (`events.listening.taskQueued > 0`) rather than calling `has()`: an unobserved pool
   * then runs no code of this file per task.
   */
  readonly listening: Readonly<Record<PoolEventName, number>> = {
    taskQueued: 0,
    taskStarted: 0,
    taskFinished: 0,
    taskFailed: 0,
    workerSpawned: 0,
    workerExited: 0,
  };

  /** Adds a listener; returns a function that removes it. */
  on<K extends PoolEventName>(name: K, listener: (payload: PoolEventMap[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, set = new Set());
    const counts = this.listening as Record<PoolEventName, number>;
    const listeners = set;
    const count = () => counts[name] = listeners.size;
    listeners.add(listener);
    count();
    return () => {
      listeners.delete(listener);
      count();
    };
  }

  /** True when `name` has listeners: callers skip building payloads otherwise. */
  has(name: PoolEventName): boolean {
    return this.listening[name] > 0;
  }

  /** Calls every listener of `name`; a throwing listener does not stop the others or the pool. */
  emit<K extends PoolEventName>(name: K, payload: PoolEventMap[K]): void {
    const set = this.#listeners.get(name) as Set<(payload: PoolEventMap[K]) => void> | undefined;
    if (!set) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (error) {
        // A listener's bug must not break dispatch or crash the process: report it and go on.
        console.error(`workloom: a '${name}' listener threw`, error);
      }
    }
  }

  /** Emits `taskStarted` for each task of a batch handed to worker `workerId` at `now`. */
  started(
    batch: readonly { id: number; name: string; queuedAt: number }[],
    workerId: number,
    now: number,
  ): void {
    if (this.listening.taskStarted === 0) return;
    for (const t of batch) {
      this.emit("taskStarted", { id: t.id, name: t.name, workerId, waitMs: now - t.queuedAt });
    }
  }
}
