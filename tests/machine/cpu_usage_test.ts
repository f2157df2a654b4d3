import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReadResult } from "../../src/adapter/types.ts";
import {
  createCpuSampler,
  parseCgroupCpuUsage,
  parseProcStat,
  procStatUtilisation,
  usageUtilisation,
} from "../../src/machine/cpu_usage.ts";

const fixture = (name: string): string =>
  decodeURIComponent(new URL(`../fixtures/cgroup/${name}`, import.meta.url).pathname);

/** A file map the test changes between samples, as the kernel would. */
function liveFiles(files: Record<string, string>) {
  return (path: string): ReadResult =>
    path in files ? { ok: true, text: files[path] } : { ok: false, reason: "missing" };
}

test("parseProcStat counts iowait as idle and leaves guest time out", () => {
  const table: [string, { busy: number; total: number } | undefined][] = [
    ["cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n", { busy: 150, total: 1000 }],
    ["cpu  10 5 5 70 0 5 5 0 99 99\n", { busy: 30, total: 100 }],
    ["cpu  3306 0 2644 50187 94 0 134 0 0 0\n", { busy: 6084, total: 56365 }],
    ["cpu 1 2 3\n", undefined],
    ["cpu0 1 2 3 4\n", undefined],
    ["intr 1 2 3\n", undefined],
    ["cpu  a b c d\n", undefined],
  ];
  for (const [text, expected] of table) assert.deepEqual(parseProcStat(text), expected, text);
});

test("procStatUtilisation is the busy share of the elapsed jiffies", () => {
  const table: [[number, number], [number, number], number | undefined][] = [
    [[0, 0], [50, 200], 0.25],
    [[100, 1000], [100, 1400], 0],
    [[100, 1000], [500, 1400], 1],
    [[100, 1000], [100, 1000], undefined],
  ];
  for (const [[b0, t0], [b1, t1], expected] of table) {
    assert.equal(procStatUtilisation({ busy: b0, total: t0 }, { busy: b1, total: t1 }), expected);
  }
});

test("parseCgroupCpuUsage reads v2 usage_usec and v1 nanoseconds as microseconds", () => {
  const table: [string, 1 | 2, number | undefined][] = [
    ["usage_usec 5000000\nuser_usec 4000000\n", 2, 5_000_000],
    ["user_usec 4000000\n", 2, undefined],
    ["7000000000\n", 1, 7_000_000],
    ["lots", 1, undefined],
  ];
  for (const [text, version, expected] of table) {
    assert.equal(parseCgroupCpuUsage(text, version), expected, text);
  }
});

test("usageUtilisation divides CPU time by wall time and the cores the quota allows", () => {
  const table: [number, number, number, number | undefined][] = [
    // [cpu µs used, wall ms, cores, utilisation]
    [1_000_000, 1000, 1, 1], // one core fully busy under a one-core quota is 100 %
    [1_000_000, 1000, 8, 0.125],
    [500_000, 1000, 2, 0.25],
    [1_500_000, 1000, 1.5, 1],
    [3_000_000, 1000, 2, 1], // clamped: bursts above the quota do not read as 150 %
    [0, 1000, 4, 0],
    [100, 0, 4, undefined],
  ];
  for (const [usedUs, wallMs, cores, expected] of table) {
    const u = usageUtilisation(
      { usageUs: 10, atMs: 5 },
      { usageUs: 10 + usedUs, atMs: 5 + wallMs },
      { cores },
    );
    assert.equal(u, expected, `${usedUs} µs over ${wallMs} ms on ${cores} cores`);
  }
  assert.throws(
    () => usageUtilisation({ usageUs: 0, atMs: 0 }, { usageUs: 1, atMs: 1 }, { cores: 0 }),
    RangeError,
  );
});

test("the sampler reads cgroup v2 cpu.stat first and scales by the given cores", () => {
  const files: Record<string, string> = {
    "/sys/fs/cgroup/cpu.stat": "usage_usec 1000000\n",
    "/proc/stat": "cpu  1 1 1 1\n",
  };
  const sampler = createCpuSampler({ readTextFile: liveFiles(files), cores: 2 });
  assert.equal(sampler.sample(1000), undefined);
  assert.equal(sampler.source, "cgroup v2 cpu.stat");
  files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 2000000\n";
  assert.equal(sampler.sample(2000), 0.5);
  files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 2000000\n";
  assert.equal(sampler.sample(3000), 0);
});

test("the sampler falls back to cgroup v1 cpuacct.usage in nanoseconds", () => {
  const files: Record<string, string> = { "/sys/fs/cgroup/cpuacct/cpuacct.usage": "0\n" };
  const sampler = createCpuSampler({ readTextFile: liveFiles(files), cores: 4 });
  assert.equal(sampler.sample(0), undefined);
  files["/sys/fs/cgroup/cpuacct/cpuacct.usage"] = "1000000000\n";
  assert.equal(sampler.sample(500), 0.5);
  assert.equal(sampler.source, "cgroup v1 cpuacct.usage");
});

test("the sampler falls back to /proc/stat and keeps that source", () => {
  const files: Record<string, string> = { "/proc/stat": "cpu  100 0 0 900 0 0 0 0\n" };
  const sampler = createCpuSampler({ readTextFile: liveFiles(files), cores: 8 });
  assert.equal(sampler.sample(0), undefined);
  files["/proc/stat"] = "cpu  400 0 0 1600 0 0 0 0\n";
  // A cgroup file appearing later must not switch sources mid-stream.
  files["/sys/fs/cgroup/cpu.stat"] = "usage_usec 1\n";
  assert.equal(sampler.sample(1000), 0.3);
  assert.equal(sampler.source, "/proc/stat");
});

test("the sampler falls back to load average per core where there is no /proc", () => {
  let load = 3;
  const sampler = createCpuSampler({
    readTextFile: () => ({ ok: false, reason: "unsupported" }),
    loadAverage: () => load,
    cores: 4,
  });
  assert.equal(sampler.sample(0), 0.75);
  assert.equal(sampler.source, "load average");
  load = 9;
  assert.equal(sampler.sample(1000), 1);
});

test("the sampler returns undefined when its source becomes unreadable or no time passed", () => {
  const files: Record<string, string> = { "/sys/fs/cgroup/cpu.stat": "usage_usec 0\n" };
  const sampler = createCpuSampler({ readTextFile: liveFiles(files), cores: 1 });
  sampler.sample(0);
  assert.equal(sampler.sample(0), undefined);
  delete files["/sys/fs/cgroup/cpu.stat"];
  assert.equal(sampler.sample(1000), undefined);
});

test("the sampler takes its cores from the cgroup quota by default", () => {
  const sampler = createCpuSampler({ root: fixture("v2_fractional") });
  assert.equal(sampler.cores, Math.min(1.5, navigator.hardwareConcurrency));
  const v2 = createCpuSampler({ root: fixture("v2_quota") });
  assert.equal(v2.sample(0), undefined);
  assert.equal(v2.source, "cgroup v2 cpu.stat");
});

test("the sampler rejects invalid cores and clock values", () => {
  assert.throws(() => createCpuSampler({ cores: 0 }), {
    name: "RangeError",
    message:
      /Cannot create a CPU sampler as 'cores' must be a finite number >= 0.001: current value is 0/,
  });
  const sampler = createCpuSampler({
    readTextFile: () => ({ ok: false, reason: "missing" }),
    cores: 1,
  });
  assert.throws(() => sampler.sample(NaN), /'nowMs' must be a finite number: current value is NaN/);
});
