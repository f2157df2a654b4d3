import { test } from "node:test";
import assert from "node:assert/strict";
import { detectMachine } from "../../src/machine/machine.ts";
import { runtime } from "../../src/adapter/runtime.ts";

const fixture = (name: string): string =>
  decodeURIComponent(new URL(`../fixtures/cgroup/${name}`, import.meta.url).pathname);
const MiB = 1024 ** 2;

test("detectMachine gathers runtime, cores, memory, shared memory and environment", () => {
  const m = detectMachine({
    root: fixture("v2_quota"),
    env: (name) => ({ GITHUB_ACTIONS: "true" })[name],
    hardwareConcurrency: 8,
    systemMemory: () => undefined,
  });
  assert.deepEqual(m.runtime, { key: runtime.key, version: runtime.version });
  assert.deepEqual(m.cores, {
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
  });
  assert.equal(m.memory.total, 512 * MiB);
  assert.equal(m.memory.reason, "cgroup v2 memory.max 512 MiB, 128 MiB in use");
  assert.equal(m.sharedMemory.sharedArrayBuffer, true);
  assert.deepEqual(m.environment, { name: "ci", reason: "CI variable GITHUB_ACTIONS is set" });
});

test("detectMachine returns a plain object that survives a JSON round trip", () => {
  const m = detectMachine({
    root: fixture("v1_unlimited"),
    env: () => undefined,
    hardwareConcurrency: 8,
  });
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
  assert.deepEqual(Object.keys(m), ["runtime", "cores", "memory", "sharedMemory", "environment"]);
});

test("detectMachine works when nothing may be read, saying 'not permitted'", () => {
  const m = detectMachine({
    readTextFile: () => ({ ok: false, reason: "not permitted" }),
    env: () => undefined,
    hardwareConcurrency: 4,
    systemMemory: () => undefined,
  });
  assert.equal(m.cores.effective, 4);
  assert.match(m.cores.reason, /not permitted/);
  assert.equal(m.memory.total, null);
  assert.match(m.memory.reason, /not permitted/);
  assert.equal(m.environment.name, "local");
});

test("detectMachine throws a TypeError for an invalid WORKLOOM_ENV", () => {
  assert.throws(
    () =>
      detectMachine({
        root: fixture("missing"),
        env: (n) => (n === "WORKLOOM_ENV" ? "staging" : undefined),
      }),
    {
      name: "TypeError",
      message:
        /'WORKLOOM_ENV' must be one of "ci", "local", "production", "browser": current value is "staging"/,
    },
  );
});
