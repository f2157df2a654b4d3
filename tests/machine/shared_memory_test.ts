import { test } from "node:test";
import assert from "node:assert/strict";
import { detectSharedMemory, type SharedMemoryGlobals } from "../../src/machine/shared_memory.ts";

const fn = (): void => {};

test("detectSharedMemory reports each feature and what it means for dispatch", () => {
  const table: [SharedMemoryGlobals, [boolean, boolean, boolean], string][] = [
    [
      { SharedArrayBuffer: fn, Atomics: { wait: fn, waitAsync: fn } },
      [true, true, true],
      "SharedArrayBuffer, Atomics.wait and Atomics.waitAsync are available",
    ],
    [
      { SharedArrayBuffer: fn, Atomics: { wait: fn } },
      [true, true, false],
      "SharedArrayBuffer and Atomics.wait are available; Atomics.waitAsync is missing, so the main thread polls",
    ],
    [
      { SharedArrayBuffer: fn, Atomics: {} },
      [true, false, false],
      "Atomics.wait is missing; workers cannot block on shared memory, postMessage only",
    ],
    [
      { Atomics: { wait: fn, waitAsync: fn }, crossOriginIsolated: false },
      [false, false, false],
      "SharedArrayBuffer is missing because the page is not cross-origin isolated (COOP/COEP headers); postMessage only",
    ],
    [{}, [false, false, false], "SharedArrayBuffer is missing; postMessage only"],
  ];
  for (const [globals, [sab, wait, waitAsync], reason] of table) {
    assert.deepEqual(detectSharedMemory(globals), {
      sharedArrayBuffer: sab,
      atomicsWaitInWorkers: wait,
      atomicsWaitAsync: waitAsync,
      reason,
    });
  }
});

test("Deno and Bun offer SharedArrayBuffer, Atomics.wait and Atomics.waitAsync", () => {
  const s = detectSharedMemory();
  assert.deepEqual([s.sharedArrayBuffer, s.atomicsWaitInWorkers, s.atomicsWaitAsync], [
    true,
    true,
    true,
  ]);
});
