import { test } from "node:test";
import assert from "node:assert/strict";
import { formatMachine } from "../../src/machine/format_machine.ts";
import type { MachineProfile } from "../../src/machine/machine.ts";

const MiB = 1024 ** 2;

const profile: MachineProfile = {
  runtime: { key: "deno", version: "2.9.6" },
  cores: {
    effective: 2,
    hardware: 8,
    affinity: 8,
    quota: 2,
    reason: "cgroup v2 cpu.max quota 200000/100000",
    details: {
      hardware: "navigator.hardwareConcurrency",
      affinity: "Cpus_allowed_list 0-7",
      quota: "cgroup v2 cpu.max quota 200000/100000",
    },
  },
  memory: {
    total: 512 * MiB,
    available: 384 * MiB,
    host: null,
    limit: 512 * MiB,
    usage: 128 * MiB,
    reason: "cgroup v2 memory.max 512 MiB, 128 MiB in use",
    details: { host: "/proc/meminfo: not permitted", limit: "cgroup v2 memory.max 512 MiB" },
  },
  sharedMemory: {
    sharedArrayBuffer: true,
    atomicsWaitInWorkers: true,
    atomicsWaitAsync: false,
    reason:
      "SharedArrayBuffer and Atomics.wait are available; Atomics.waitAsync is missing, so the main thread polls",
  },
  environment: { name: "ci", reason: "CI variable GITHUB_ACTIONS is set" },
};

test("formatMachine lays out each figure with where it came from", () => {
  assert.equal(
    formatMachine(profile),
    [
      "runtime           deno 2.9.6",
      "cores             2           cgroup v2 cpu.max quota 200000/100000",
      "  hardware        8           navigator.hardwareConcurrency",
      "  affinity        8           Cpus_allowed_list 0-7",
      "  cgroup quota    2           cgroup v2 cpu.max quota 200000/100000",
      "memory total      512 MiB     cgroup v2 memory.max 512 MiB, 128 MiB in use",
      "memory available  384 MiB",
      "  machine         -           /proc/meminfo: not permitted",
      "  cgroup limit    512 MiB     cgroup v2 memory.max 512 MiB",
      "shared memory     partial     SharedArrayBuffer and Atomics.wait are available; Atomics.waitAsync is missing, so the main thread polls",
      "environment       ci          CI variable GITHUB_ACTIONS is set",
    ].join("\n"),
  );
});

test("formatMachine shows shared memory as yes, partial or no", () => {
  const table: [[boolean, boolean, boolean], string][] = [
    [[true, true, true], "yes"],
    [[true, true, false], "partial"],
    [[false, false, false], "no"],
  ];
  for (const [[sab, wait, waitAsync], word] of table) {
    const text = formatMachine({
      ...profile,
      sharedMemory: {
        sharedArrayBuffer: sab,
        atomicsWaitInWorkers: wait,
        atomicsWaitAsync: waitAsync,
        reason: "r",
      },
    });
    assert.match(text, new RegExp(`^shared memory +${word} +r$`, "m"));
  }
});
