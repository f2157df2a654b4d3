/**
 * The retention sweep's timer: every interval, the store expires what is past its time to live,
 * in slices of `SWEEP_SLICE` with a macrotask between them. A server finishing thousands of jobs a
 * second has as many to expire each second; one sweep of them all held the event loop for 4–12 ms
 * at 12,500 jobs a second, every request waiting, where a slice holds it for well under one.
 *
 * @module
 */
import type { JobStoreApi } from "../jobs/job_backend.ts";

/** Jobs and tombstones let go per slice of a sweep, at most. */
export const SWEEP_SLICE = 1000;

/** A running sweeper. */
export interface Sweeper {
  /** Stops the timer and any sweep between its slices; no timer is left. */
  stop(): void;
}

/**
 * Sweeps `store` every `intervalMs`, in slices; a sweep still going when the next one is due is
 * not doubled. Errors (a shared store out of reach) go to `log`, and the next sweep tries again.
 *
 * @example
 * ```ts
 * import { JobStore } from "../jobs/job_store.ts";
 * import { startSweeper } from "./sweeper.ts";
 * const sweeper = startSweeper(new JobStore({ ttlMs: 1000 }), 100, console.error);
 * sweeper.stop();
 * ```
 */
export function startSweeper(
  store: Pick<JobStoreApi, "sweep">,
  intervalMs: number,
  log: (e: unknown) => void,
): Sweeper {
  let sweeping = false;
  let stopped = false;
  let pause: ReturnType<typeof setTimeout> | undefined;
  let resume: (() => void) | undefined;
  const between = () =>
    new Promise<void>((r) => {
      resume = r;
      pause = setTimeout(r, 0);
    });
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      while (!stopped && (await store.sweep(SWEEP_SLICE)).more) await between();
    } catch (e) {
      log(e);
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(pause);
      resume?.();
    },
  };
}
