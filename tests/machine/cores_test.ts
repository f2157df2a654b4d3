import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReadResult } from "../../src/adapter/types.ts";
import { detectCores, parseCpuList } from "../../src/machine/cores.ts";

const fixture = (name: string): string =>
  decodeURIComponent(new URL(`../fixtures/cgroup/${name}`, import.meta.url).pathname);

test("parseCpuList counts the CPUs in a Linux CPU list", () => {
  const table: [string, number | undefined][] = [
    ["0-3,6", 5],
    ["0", 1],
    ["0-1\n", 2],
    ["0-7", 8],
    ["1,3,5,7", 4],
    ["0-3,8-11", 8],
    ["x-y", undefined],
    ["3-1", undefined],
    ["0,,1", undefined],
    ["", undefined],
  ];
  for (const [text, count] of table) assert.equal(parseCpuList(text), count, JSON.stringify(text));
});

test("detectCores takes the tightest limit and says which one won", () => {
  const table: [
    string,
    number,
    { effective: number; affinity: number | null; quota: number | null; reason: string },
  ][] = [
    ["v2_quota", 8, {
      effective: 2,
      affinity: 8,
      quota: 2,
      reason: "cgroup v2 cpu.max quota 200000/100000",
    }],
    ["v2_max", 8, {
      effective: 8,
      affinity: 8,
      quota: null,
      reason: "navigator.hardwareConcurrency 8, no tighter limit",
    }],
    ["v2_fractional", 8, {
      effective: 2,
      affinity: 8,
      quota: 1.5,
      reason: "cgroup v2 cpu.max quota 150000/100000 = 1.5 cores, rounded up",
    }],
    ["v1_quota", 8, {
      effective: 3,
      affinity: 8,
      quota: 3,
      reason: "cgroup v1 cpu.cfs_quota_us 300000/100000",
    }],
    ["v1_unlimited", 8, {
      effective: 5,
      affinity: 5,
      quota: null,
      reason: "CPU affinity Cpus_allowed_list 0-3,6",
    }],
    ["v1_unlimited", 4, {
      effective: 4,
      affinity: 5,
      quota: null,
      reason: "navigator.hardwareConcurrency 4, no tighter limit",
    }],
    ["v2_quota", 2, {
      effective: 2,
      affinity: 8,
      quota: 2,
      reason: "navigator.hardwareConcurrency 2, no tighter limit",
    }],
    ["garbage", 8, {
      effective: 8,
      affinity: null,
      quota: null,
      reason: "navigator.hardwareConcurrency 8 (CPU affinity and cgroup quota unparsable)",
    }],
    ["missing", 8, {
      effective: 8,
      affinity: null,
      quota: null,
      reason: "navigator.hardwareConcurrency 8 (CPU affinity and cgroup quota not found)",
    }],
  ];
  for (const [dir, hardwareConcurrency, expected] of table) {
    const c = detectCores({ root: fixture(dir), hardwareConcurrency });
    assert.deepEqual(
      { effective: c.effective, affinity: c.affinity, quota: c.quota, reason: c.reason },
      expected,
      `${dir} on ${hardwareConcurrency} cores`,
    );
    assert.equal(c.hardware, hardwareConcurrency);
  }
});

test("detectCores records where each figure came from", () => {
  const c = detectCores({ root: fixture("v1_unlimited"), hardwareConcurrency: 8 });
  assert.deepEqual(c.details, {
    hardware: "navigator.hardwareConcurrency",
    affinity: "Cpus_allowed_list 0-3,6",
    quota: "cgroup v1 cpu.cfs_quota_us is -1 (no limit)",
  });
});

test("detectCores without read permission falls back to hardware with 'not permitted'", () => {
  const denied = (): ReadResult => ({ ok: false, reason: "not permitted" });
  const c = detectCores({ readTextFile: denied, hardwareConcurrency: 6 });
  assert.equal(c.effective, 6);
  assert.equal(
    c.reason,
    "navigator.hardwareConcurrency 6 (CPU affinity and cgroup quota not permitted)",
  );
  assert.equal(c.details.affinity, "/proc/self/status: not permitted");
  assert.equal(c.details.quota, "cgroup cpu quota: not permitted");
});

test("detectCores never goes below one core, even under a half-core quota", () => {
  const files: Record<string, string> = { "/sys/fs/cgroup/cpu.max": "50000 100000" };
  const read = (p: string): ReadResult =>
    p in files ? { ok: true, text: files[p] } : { ok: false, reason: "missing" };
  const c = detectCores({ readTextFile: read, hardwareConcurrency: 4 });
  assert.equal(c.effective, 1);
  assert.equal(c.quota, 0.5);
  assert.equal(c.reason, "cgroup v2 cpu.max quota 50000/100000 = 0.5 cores, rounded up");
});

test("detectCores uses navigator.hardwareConcurrency by default", () => {
  const c = detectCores({ root: fixture("missing") });
  assert.equal(c.hardware, navigator.hardwareConcurrency);
  assert.equal(c.effective, navigator.hardwareConcurrency);
});

test("detectCores rejects a hardwareConcurrency that is not a positive integer", () => {
  for (const bad of [0, 1.5, -2, NaN]) {
    assert.throws(() => detectCores({ hardwareConcurrency: bad }), {
      name: "RangeError",
      message:
        `Cannot detect cores as 'hardwareConcurrency' must be a positive integer: current value is ${bad}`,
    });
  }
});
