import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReadResult } from "../../src/adapter/types.ts";
import { CgroupReader, describeFailure, parseCgroupPaths } from "../../src/machine/cgroup.ts";

const fixture = (name: string): string =>
  decodeURIComponent(new URL(`../fixtures/cgroup/${name}`, import.meta.url).pathname);

/** A reader over an in-memory file map that records every path it was asked for. */
function fakeFiles(
  files: Record<string, string>,
  fail: ReadResult = { ok: false, reason: "missing" },
) {
  const asked: string[] = [];
  const read = (path: string): ReadResult => {
    asked.push(path);
    return path in files ? { ok: true, text: files[path] } : fail;
  };
  return { read, asked };
}

test("parseCgroupPaths reads v2, v1 and co-mounted controllers and skips junk", () => {
  const table: [string, ReturnType<typeof parseCgroupPaths>][] = [
    ["0::/app.slice/app.service\n", { v2: "/app.slice/app.service", v1: {} }],
    ["0::/\n", { v2: "/", v1: {} }],
    ["12:cpu,cpuacct:/docker/abc\n11:memory:/docker/abc\n0::/\n", {
      v2: "/",
      v1: { cpu: "/docker/abc", cpuacct: "/docker/abc", memory: "/docker/abc" },
    }],
    ["1:name=systemd:/user\n", { v1: { "name=systemd": "/user" } }],
    ["not a cgroup line\n\n", { v1: {} }],
    ["", { v1: {} }],
  ];
  for (const [text, expected] of table) assert.deepEqual(parseCgroupPaths(text), expected, text);
});

test("CgroupReader prefers the process's own cgroup over the mount root", () => {
  const r = new CgroupReader({ root: fixture("v2_quota") }).v2("cpu.max");
  assert.deepEqual(r, { ok: true, text: "200000 100000\n", version: 2 });
});

test("CgroupReader falls back to the mount root when the own cgroup path is absent", () => {
  const r = new CgroupReader({ root: fixture("v2_max") }).v2("cpu.max");
  assert.deepEqual(r, { ok: true, text: "max 100000\n", version: 2 });
});

test("CgroupReader finds v1 files under a co-mounted cpu,cpuacct hierarchy", () => {
  const reader = new CgroupReader({ root: fixture("v1_quota") });
  assert.deepEqual(reader.v1("cpu", "cpu.cfs_quota_us"), {
    ok: true,
    text: "300000\n",
    version: 1,
  });
  assert.deepEqual(reader.v1("cpuacct", "cpuacct.usage"), {
    ok: true,
    text: "7000000000\n",
    version: 1,
  });
});

test("CgroupReader tries the own path on every mount before the roots, in that order", () => {
  const { read, asked } = fakeFiles({ "/proc/self/cgroup": "3:cpu:/job\n" });
  assert.deepEqual(new CgroupReader({ readTextFile: read }).v1("cpu", "cpu.cfs_quota_us"), {
    ok: false,
    reason: "missing",
  });
  assert.deepEqual(asked, [
    "/proc/self/cgroup",
    "/sys/fs/cgroup/cpu/job/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpuacct,cpu/job/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us",
    "/sys/fs/cgroup/cpuacct,cpu/cpu.cfs_quota_us",
  ]);
});

test("CgroupReader reports the most telling failure: not permitted beats missing", () => {
  const table: [ReadResult, string][] = [
    [{ ok: false, reason: "not permitted" }, "not permitted"],
    [{ ok: false, reason: "unsupported" }, "unsupported"],
    [{ ok: false, reason: "missing" }, "missing"],
  ];
  for (const [fail, reason] of table) {
    const { read } = fakeFiles({}, fail);
    assert.deepEqual(new CgroupReader({ readTextFile: read }).v2("memory.max"), {
      ok: false,
      reason,
    });
  }
  assert.deepEqual(new CgroupReader({ root: fixture("missing") }).v2("cpu.max"), {
    ok: false,
    reason: "missing",
  });
});

test("describeFailure words each read failure for a sentence", () => {
  const table = [
    ["missing", "not found"],
    ["not permitted", "not permitted"],
    ["unsupported", "not supported"],
    ["unreadable", "unreadable"],
  ] as const;
  for (const [reason, words] of table) assert.equal(describeFailure(reason), words);
});
