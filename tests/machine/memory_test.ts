import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReadResult } from "../../src/adapter/types.ts";
import { detectMemory, parseMeminfo, parseMemoryLimit } from "../../src/machine/memory.ts";

const fixture = (name: string): string =>
  decodeURIComponent(new URL(`../fixtures/cgroup/${name}`, import.meta.url).pathname);
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const noRuntime = () => undefined;

test("parseMemoryLimit reads bytes, and max or v1's huge values as no limit", () => {
  const table: [string, number | "max" | undefined][] = [
    ["536870912\n", 536870912],
    ["max\n", "max"],
    ["9223372036854771712", "max"],
    ["9223372036854775807", "max"],
    ["0", 0],
    ["lots", undefined],
    ["-1", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of table) assert.equal(parseMemoryLimit(text), expected, text);
});

test("parseMeminfo reads MemTotal and MemAvailable, falling back to MemFree", () => {
  const table: [string, { total: number; available: number } | undefined][] = [
    ["MemTotal: 2048 kB\nMemFree: 512 kB\nMemAvailable: 1024 kB\n", {
      total: 2 * MiB,
      available: MiB,
    }],
    ["MemTotal:       2048 kB\nMemFree:         512 kB\n", {
      total: 2 * MiB,
      available: 512 * 1024,
    }],
    ["MemFree: 512 kB\n", undefined],
    ["MemTotal: lots\n", undefined],
  ];
  for (const [text, expected] of table) assert.deepEqual(parseMeminfo(text), expected, text);
});

test("detectMemory caps machine memory by the cgroup limit and says why", () => {
  const table: [
    string,
    {
      total: number | null;
      available: number | null;
      limit: number | null;
      usage: number | null;
      reason: string;
    },
  ][] = [
    ["v2_quota", {
      total: 512 * MiB,
      available: 384 * MiB,
      limit: 512 * MiB,
      usage: 128 * MiB,
      reason: "cgroup v2 memory.max 512 MiB, 128 MiB in use",
    }],
    ["v2_max", {
      total: 16 * GiB,
      available: 12 * GiB,
      limit: null,
      usage: null,
      reason: "/proc/meminfo (cgroup v2 memory.max is unlimited)",
    }],
    ["v1_quota", {
      total: 8 * GiB,
      available: 4 * GiB,
      limit: null,
      usage: null,
      reason: "/proc/meminfo (cgroup v1 memory.limit_in_bytes is unlimited)",
    }],
    ["v1_unlimited", {
      total: GiB,
      available: 768 * MiB,
      limit: GiB,
      usage: 256 * MiB,
      reason: "cgroup v1 memory.limit_in_bytes 1 GiB, 256 MiB in use",
    }],
    ["garbage", {
      total: null,
      available: null,
      limit: null,
      usage: null,
      reason: `/proc/meminfo has no MemTotal; cgroup v2 memory.max is not a byte count: "lots"`,
    }],
    ["missing", {
      total: null,
      available: null,
      limit: null,
      usage: null,
      reason: "/proc/meminfo: missing; no cgroup memory limit file",
    }],
  ];
  for (const [dir, expected] of table) {
    const m = detectMemory({ root: fixture(dir), systemMemory: noRuntime });
    assert.deepEqual(
      { total: m.total, available: m.available, limit: m.limit, usage: m.usage, reason: m.reason },
      expected,
      dir,
    );
  }
});

test("detectMemory prefers the runtime's system memory over /proc/meminfo", () => {
  const m = detectMemory({
    root: fixture("v2_max"),
    systemMemory: () => ({ total: 4 * GiB, available: GiB }),
  });
  assert.deepEqual(m.host, { total: 4 * GiB, available: GiB });
  assert.equal(m.total, 4 * GiB);
  assert.equal(m.details.host, "the runtime's system memory");
});

test("detectMemory ignores a cgroup limit above machine memory", () => {
  const m = detectMemory({
    root: fixture("v2_quota"),
    systemMemory: () => ({ total: 256 * MiB, available: 200 * MiB }),
  });
  assert.equal(m.total, 256 * MiB);
  assert.equal(m.available, 200 * MiB);
  assert.equal(m.limit, 512 * MiB);
  assert.equal(
    m.reason,
    "the runtime's system memory (cgroup v2 memory.max 512 MiB is above machine memory)",
  );
});

test("detectMemory never reports more available than the machine has free", () => {
  const m = detectMemory({
    root: fixture("v2_quota"),
    systemMemory: () => ({ total: 16 * GiB, available: 100 * MiB }),
  });
  assert.equal(m.total, 512 * MiB);
  assert.equal(m.available, 100 * MiB);
});

test("detectMemory without read permission reports 'not permitted'", () => {
  const denied = (): ReadResult => ({ ok: false, reason: "not permitted" });
  const m = detectMemory({ readTextFile: denied, systemMemory: noRuntime });
  assert.equal(m.total, null);
  assert.equal(m.reason, "/proc/meminfo: not permitted; cgroup memory limit: not permitted");
});

test("detectMemory's profile survives a JSON round trip", () => {
  const m = detectMemory({ root: fixture("v2_quota"), systemMemory: noRuntime });
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});
