/**
 * Effective cores: the number of CPUs this process can really keep busy, which in containers and
 * CI runners is often fewer than `navigator.hardwareConcurrency` says.
 *
 * @module
 */
import { CgroupReader, describeFailure, type ReadTextFile } from "./cgroup.ts";
import { type CpuQuota, readCpuQuota } from "./cpu_quota.ts";
import { runtime } from "../adapter/runtime.ts";
import { assertInteger } from "../validate.ts";

/** How many cores this process may use, each limit that was found, and which one won. */
export interface CoresProfile {
  /** The figure to size pools with: the smallest limit, at least 1. */
  effective: number;
  /** `navigator.hardwareConcurrency` (Node 20: `os.availableParallelism()`), or `null`: none. */
  hardware: number | null;
  /** CPUs in this process's affinity mask (Linux `Cpus_allowed_list`), or `null`. */
  affinity: number | null;
  /** The cgroup CPU quota in cores, possibly fractional (`1.5`), or `null`: no limit or unknown. */
  quota: number | null;
  /** Which limit won, in words. */
  reason: string;
  /** Where each figure came from, or why it is missing (`"not permitted"`, `"missing"`, …). */
  details: { hardware: string; affinity: string; quota: string };
}

/** Options of {@linkcode detectCores}. */
export interface DetectCoresOptions {
  /** How files are read. @default {runtime.readTextFile} */
  readTextFile?: ReadTextFile;
  /** Prefix for `/proc` and `/sys`, for fixture trees in tests. @default {""} */
  root?: string;
  /** Hardware concurrency to assume. @default {navigator.hardwareConcurrency} */
  hardwareConcurrency?: number;
  /**
   * The runtime's own CPU count, used when there is no `navigator.hardwareConcurrency` (Node 20).
   * @default {runtime.availableParallelism}
   */
  availableParallelism?: () => number | undefined;
}

/**
 * Counts the CPUs in a Linux CPU list such as `"0-3,6"` (5). Returns `undefined` for text that
 * is not a CPU list.
 *
 * @example
 * ```ts
 * import { parseCpuList } from "./cores.ts";
 * parseCpuList("0-3,6"); // 5
 * ```
 */
export function parseCpuList(text: string): number | undefined {
  let count = 0;
  for (const part of text.trim().split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) return undefined;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) return undefined;
    count += to - from + 1;
  }
  return count;
}

interface Affinity {
  value: number | null;
  detail: string;
  failure?: string;
}

function readAffinity(read: ReadTextFile, root: string): Affinity {
  const status = read(`${root}/proc/self/status`);
  if (!status.ok) {
    return {
      value: null,
      detail: `/proc/self/status: ${status.reason}`,
      failure: describeFailure(status.reason),
    };
  }
  const line = /^Cpus_allowed_list:\s*(.*)$/m.exec(status.text);
  if (!line) {
    return {
      value: null,
      detail: "no Cpus_allowed_list in /proc/self/status",
      failure: "not found",
    };
  }
  const value = parseCpuList(line[1]);
  if (value === undefined) {
    const detail = `Cpus_allowed_list is not a CPU list: ${JSON.stringify(line[1])}`;
    return { value: null, detail, failure: "unparsable" };
  }
  return { value, detail: `Cpus_allowed_list ${line[1].trim()}` };
}

/**
 * Detects effective cores = min(hardware concurrency, CPU affinity, cgroup CPU quota), recording
 * which limit won. A fractional quota is rounded up: 1.5 cores of quota keep 2 workers busy
 * 75 % of the time each, the same throughput as 1.5 cores, whereas 1 worker would leave a third
 * of the budget unused; the cost is some throttling latency, which a pool can absorb.
 * Files that are missing or not permitted (Deno without `--allow-read`) are skipped, with the
 * reason in `details`.
 *
 * @example
 * ```ts
 * import { detectCores } from "./cores.ts";
 * const cores = detectCores();
 * console.log(cores.effective, cores.reason);
 * ```
 */
export function detectCores(options: DetectCoresOptions = {}): CoresProfile {
  const read = options.readTextFile ?? runtime.readTextFile;
  const root = options.root ?? "";
  const fromNavigator = options.hardwareConcurrency ?? globalThis.navigator?.hardwareConcurrency;
  // Node 20 has no navigator.hardwareConcurrency: its own count stands in (off Linux, the only one).
  const count = options.availableParallelism ?? runtime.availableParallelism;
  const hw = fromNavigator ?? count?.();
  const source = fromNavigator === undefined && hw !== undefined
    ? "os.availableParallelism()"
    : "navigator.hardwareConcurrency";
  if (options.hardwareConcurrency !== undefined) {
    assertInteger("detect cores", "hardwareConcurrency", hw, { min: 1 });
  }
  const hardware = typeof hw === "number" && Number.isInteger(hw) && hw >= 1 ? hw : null;
  const affinity = readAffinity(read, root);
  const quota = readCpuQuota(new CgroupReader({ readTextFile: read, root }));
  const details = {
    hardware: hardware === null ? "navigator.hardwareConcurrency is not available" : source,
    affinity: affinity.detail,
    quota: quota.detail,
  };
  const limits = [
    { value: quota.cores === null ? null : Math.ceil(quota.cores), kind: "quota" },
    { value: affinity.value, kind: "affinity" },
    { value: hardware, kind: "hardware" },
  ].filter((l): l is { value: number; kind: string } => l.value !== null);
  const effective = limits.length === 0 ? 1 : Math.max(1, Math.min(...limits.map((l) => l.value)));
  // A limit explains the figure only when it is tighter than the hardware; on a tie the hardware
  // is the plainer explanation.
  const winner =
    limits.find((l) => Math.max(1, l.value) === effective && l.value < (hardware ?? Infinity)) ??
      limits.find((l) => l.kind === "hardware");
  return {
    effective,
    hardware,
    affinity: affinity.value,
    quota: quota.cores,
    reason: explain(winner?.kind ?? "none", quota, affinity, hardware, source),
    details,
  };
}

function explain(
  kind: string,
  quota: CpuQuota,
  affinity: Affinity,
  hardware: number | null,
  source: string,
): string {
  if (kind === "quota") {
    return Number.isInteger(quota.cores)
      ? quota.detail
      : `${quota.detail} = ${quota.cores} cores, rounded up`;
  }
  if (kind === "affinity") return `CPU affinity ${affinity.detail}`;
  if (kind === "none") return "no limit could be read, assuming 1 core";
  const base = `${source} ${hardware}`;
  const a = affinity.failure;
  const q = quota.failure;
  if (a && q) {
    return a === q
      ? `${base} (CPU affinity and cgroup quota ${a})`
      : `${base} (CPU affinity ${a}, cgroup quota ${q})`;
  }
  if (a) return `${base} (CPU affinity ${a})`;
  if (q) return `${base} (cgroup quota ${q})`;
  return `${base}, no tighter limit`;
}
