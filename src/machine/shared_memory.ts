/**
 * Whether shared memory is usable, which decides the dispatch path: SharedArrayBuffer with
 * Atomics, or postMessage only.
 *
 * @module
 */

/** Which shared-memory features this runtime offers, and what follows from them. */
export interface SharedMemoryProfile {
  /** `SharedArrayBuffer` exists (browsers hide it unless the page is cross-origin isolated). */
  sharedArrayBuffer: boolean;
  /** Workers can block on `Atomics.wait` over a SharedArrayBuffer. */
  atomicsWaitInWorkers: boolean;
  /** The main thread can await `Atomics.waitAsync` instead of blocking. */
  atomicsWaitAsync: boolean;
  /** What the figures mean for dispatch, in words. */
  reason: string;
}

/** The globals this check looks at; tests pass their own. */
export interface SharedMemoryGlobals {
  SharedArrayBuffer?: unknown;
  Atomics?: { wait?: unknown; waitAsync?: unknown };
  crossOriginIsolated?: boolean;
}

/**
 * Detects SharedArrayBuffer, `Atomics.wait` (usable in workers) and `Atomics.waitAsync` (usable
 * on the main thread). Only existence is checked: calling `Atomics.wait` to probe would block.
 *
 * @example
 * ```ts
 * import { detectSharedMemory } from "./shared_memory.ts";
 * console.log(detectSharedMemory().reason);
 * ```
 */
export function detectSharedMemory(
  globals: SharedMemoryGlobals = globalThis as SharedMemoryGlobals,
): SharedMemoryProfile {
  const sharedArrayBuffer = typeof globals.SharedArrayBuffer === "function";
  const atomicsWaitInWorkers = sharedArrayBuffer && typeof globals.Atomics?.wait === "function";
  const atomicsWaitAsync = sharedArrayBuffer && typeof globals.Atomics?.waitAsync === "function";
  let reason: string;
  if (!sharedArrayBuffer) {
    reason = globals.crossOriginIsolated === false
      ? "SharedArrayBuffer is missing because the page is not cross-origin isolated (COOP/COEP headers); postMessage only"
      : "SharedArrayBuffer is missing; postMessage only";
  } else if (!atomicsWaitInWorkers) {
    reason = "Atomics.wait is missing; workers cannot block on shared memory, postMessage only";
  } else if (!atomicsWaitAsync) {
    reason =
      "SharedArrayBuffer and Atomics.wait are available; Atomics.waitAsync is missing, so the main thread polls";
  } else {
    reason = "SharedArrayBuffer, Atomics.wait and Atomics.waitAsync are available";
  }
  return { sharedArrayBuffer, atomicsWaitInWorkers, atomicsWaitAsync, reason };
}
