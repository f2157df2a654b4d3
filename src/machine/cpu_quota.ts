/**
 * The cgroup CPU quota: how many cores' worth of CPU time this process may use per period.
 *
 * @module
 */
import { type CgroupReader, describeFailure } from "./cgroup.ts";

/** A CPU quota in cores (fractional), or `null` with the reason there is none or it is unknown. */
export interface CpuQuota {
  /** Cores' worth of CPU time per period, e.g. `1.5`; `null` when unlimited or unknown. */
  cores: number | null;
  /** Where the figure came from, or why there is none. */
  detail: string;
  /** Why the quota is unknown, in two words (`"not permitted"`); absent when the files were read. */
  failure?: string;
}

/**
 * Parses a cgroup v2 `cpu.max` (`"200000 100000"` or `"max 100000"`). Returns `"max"` for no
 * limit and `undefined` for text that is neither.
 *
 * @example
 * ```ts
 * import { parseCpuMax } from "./cpu_quota.ts";
 * parseCpuMax("200000 100000"); // { quota: 200000, period: 100000 }
 * ```
 */
export function parseCpuMax(text: string): { quota: number; period: number } | "max" | undefined {
  const match = /^(max|\d+)(?:\s+(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  if (match[1] === "max") return "max";
  const quota = Number(match[1]);
  // The period is optional in the file format and defaults to 100 ms in the kernel.
  const period = match[2] === undefined ? 100_000 : Number(match[2]);
  return quota > 0 && period > 0 ? { quota, period } : undefined;
}

function integer(text: string): number | undefined {
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

/**
 * Reads the CPU quota from cgroup v2 `cpu.max`, else from cgroup v1 `cpu.cfs_quota_us` and
 * `cpu.cfs_period_us` (where `-1` means no limit).
 *
 * @example
 * ```ts
 * import { CgroupReader } from "./cgroup.ts";
 * import { readCpuQuota } from "./cpu_quota.ts";
 * console.log(readCpuQuota(new CgroupReader()).detail);
 * ```
 */
export function readCpuQuota(reader: CgroupReader): CpuQuota {
  const v2 = reader.v2("cpu.max");
  if (v2.ok) {
    const parsed = parseCpuMax(v2.text);
    if (parsed === "max") {
      return { cores: null, detail: "cgroup v2 cpu.max is max (no limit)" };
    }
    if (!parsed) {
      return unknown(`cgroup v2 cpu.max is not "<quota> <period>": ${show(v2.text)}`, "unparsable");
    }
    return quota(parsed.quota, parsed.period, "cgroup v2 cpu.max quota");
  }
  if (v2.reason !== "missing") {
    return unknown(`cgroup cpu quota: ${v2.reason}`, describeFailure(v2.reason));
  }
  const q = reader.v1("cpu", "cpu.cfs_quota_us");
  const p = reader.v1("cpu", "cpu.cfs_period_us");
  if (!q.ok) {
    const detail = q.reason === "missing"
      ? "no cgroup cpu quota file"
      : `cgroup cpu quota: ${q.reason}`;
    return unknown(detail, describeFailure(q.reason));
  }
  const qv = integer(q.text);
  if (qv === -1) {
    return { cores: null, detail: "cgroup v1 cpu.cfs_quota_us is -1 (no limit)" };
  }
  const pv = p.ok ? integer(p.text) : 100_000;
  if (qv === undefined || qv <= 0 || pv === undefined || pv <= 0) {
    return unknown(
      `cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us are not positive integers: ${show(q.text)}`,
      "unparsable",
    );
  }
  return quota(qv, pv, "cgroup v1 cpu.cfs_quota_us");
}

function quota(q: number, period: number, source: string): CpuQuota {
  return { cores: q / period, detail: `${source} ${q}/${period}` };
}

function unknown(detail: string, failure: string): CpuQuota {
  return { cores: null, detail, failure };
}

function show(text: string): string {
  return JSON.stringify(text.trim().slice(0, 40));
}
