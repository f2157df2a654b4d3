import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReadResult } from "../../src/adapter/types.ts";
import { CgroupReader } from "../../src/machine/cgroup.ts";
import { parseCpuMax, readCpuQuota } from "../../src/machine/cpu_quota.ts";

function reader(
  files: Record<string, string>,
  fail: ReadResult = { ok: false, reason: "missing" },
) {
  const readTextFile = (path: string): ReadResult =>
    path in files ? { ok: true, text: files[path] } : fail;
  return new CgroupReader({ readTextFile });
}

test("parseCpuMax reads a quota and period, max, or nothing", () => {
  const table: [string, ReturnType<typeof parseCpuMax>][] = [
    ["200000 100000\n", { quota: 200000, period: 100000 }],
    ["150000 100000", { quota: 150000, period: 100000 }],
    ["50000", { quota: 50000, period: 100000 }],
    ["max 100000\n", "max"],
    ["max", "max"],
    ["0 100000", undefined],
    ["100000 0", undefined],
    ["banana", undefined],
    ["-1 100000", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of table) assert.deepEqual(parseCpuMax(text), expected, text);
});

const V2 = "/sys/fs/cgroup/cpu.max";
const V1Q = "/sys/fs/cgroup/cpu/cpu.cfs_quota_us";
const V1P = "/sys/fs/cgroup/cpu/cpu.cfs_period_us";

test("readCpuQuota turns each cgroup file state into cores and a reason", () => {
  const table: [Record<string, string>, number | null, string, string | undefined][] = [
    [{ [V2]: "200000 100000" }, 2, "cgroup v2 cpu.max quota 200000/100000", undefined],
    [{ [V2]: "150000 100000" }, 1.5, "cgroup v2 cpu.max quota 150000/100000", undefined],
    [{ [V2]: "max 100000" }, null, "cgroup v2 cpu.max is max (no limit)", undefined],
    [
      { [V2]: "banana" },
      null,
      `cgroup v2 cpu.max is not "<quota> <period>": "banana"`,
      "unparsable",
    ],
    [
      { [V1Q]: "300000", [V1P]: "100000" },
      3,
      "cgroup v1 cpu.cfs_quota_us 300000/100000",
      undefined,
    ],
    [{ [V1Q]: "50000" }, 0.5, "cgroup v1 cpu.cfs_quota_us 50000/100000", undefined],
    [
      { [V1Q]: "-1", [V1P]: "100000" },
      null,
      "cgroup v1 cpu.cfs_quota_us is -1 (no limit)",
      undefined,
    ],
    [
      { [V1Q]: "lots", [V1P]: "100000" },
      null,
      `cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us are not positive integers: "lots"`,
      "unparsable",
    ],
    [{}, null, "no cgroup cpu quota file", "not found"],
  ];
  for (const [files, cores, detail, failure] of table) {
    const q = readCpuQuota(reader(files));
    assert.deepEqual(
      q,
      failure ? { cores, detail, failure } : { cores, detail },
      JSON.stringify(files),
    );
  }
});

test("readCpuQuota says 'not permitted' when the files may not be read", () => {
  const q = readCpuQuota(reader({}, { ok: false, reason: "not permitted" }));
  assert.deepEqual(q, {
    cores: null,
    detail: "cgroup cpu quota: not permitted",
    failure: "not permitted",
  });
});
