/**
 * CPU utilisation of the machine share this process may use, for the auto-tuner. Under a cgroup
 * quota the honest measure is the cgroup's own CPU time over wall time and the cores it may use;
 * elsewhere `/proc/stat`; where there is no `/proc`, the load average per core.
 *
 * @module
 */
import { CgroupReader, type ReadTextFile } from "./cgroup.ts";
import { detectCores } from "./cores.ts";
import { runtime } from "../adapter/runtime.ts";
import { assertNumber } from "../validate.ts";

/** Busy and total jiffies from the `cpu` line of `/proc/stat`. */
export interface ProcStatSample {
  busy: number;
  total: number;
}

/**
 * Parses the aggregate `cpu` line of `/proc/stat`. Idle time is `idle` + `iowait`; `guest` is
 * left out because `user` already counts it.
 *
 * @example
 * ```ts
 * import { parseProcStat } from "./cpu_usage.ts";
 * parseProcStat("cpu  100 0 50 800 50 0 0 0 0 0\n"); // { busy: 150, total: 1000 }
 * ```
 */
export function parseProcStat(text: string): ProcStatSample | undefined {
  const line = /^cpu\s+(.*)$/m.exec(text);
  if (!line) return undefined;
  const f = line[1].trim().split(/\s+/).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/**
 * Utilisation (0..1) between two `/proc/stat` samples; `undefined` when no time passed.
 *
 * @example
 * ```ts
 * import { procStatUtilisation } from "./cpu_usage.ts";
 * procStatUtilisation({ busy: 0, total: 0 }, { busy: 50, total: 200 }); // 0.25
 * ```
 */
export function procStatUtilisation(
  prev: ProcStatSample,
  next: ProcStatSample,
): number | undefined {
  const total = next.total - prev.total;
  return total > 0 ? clamp((next.busy - prev.busy) / total) : undefined;
}

/** Cumulative CPU time used by a cgroup, at a wall-clock time. */
export interface UsageSample {
  /** CPU time used since the cgroup started, in microseconds. */
  usageUs: number;
  /** When it was read, in milliseconds. */
  atMs: number;
}

/**
 * Parses cgroup CPU time into microseconds: v2 `cpu.stat` (`usage_usec`) or v1
 * `cpuacct.usage` (nanoseconds).
 *
 * @example
 * ```ts
 * import { parseCgroupCpuUsage } from "./cpu_usage.ts";
 * parseCgroupCpuUsage("usage_usec 1500\nuser_usec 1000\n", 2); // 1500
 * ```
 */
export function parseCgroupCpuUsage(text: string, version: 1 | 2): number | undefined {
  if (version === 2) {
    const m = /^usage_usec\s+(\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  }
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) / 1000 : undefined;
}

// The kernel's smallest quota is 1 ms per 1 s period: a thousandth of a core.
const MIN_CORES = 0.001;

/** Options of {@linkcode usageUtilisation}. */
export interface UsageUtilisationOptions {
  /** Cores' worth of CPU time the cgroup may use per second of wall time. @default {1} */
  cores?: number;
}

/**
 * Utilisation (0..1) between two cgroup usage samples: CPU time used over the CPU time the
 * `cores` could have given. `undefined` when no wall time passed.
 *
 * @example
 * ```ts
 * import { usageUtilisation } from "./cpu_usage.ts";
 * usageUtilisation({ usageUs: 0, atMs: 0 }, { usageUs: 500_000, atMs: 1000 }, { cores: 2 }); // 0.25
 * ```
 */
export function usageUtilisation(
  prev: UsageSample,
  next: UsageSample,
  options: UsageUtilisationOptions = {},
): number | undefined {
  const cores = options.cores ?? 1;
  assertNumber("compute utilisation", "cores", cores, { min: MIN_CORES });
  const wallUs = (next.atMs - prev.atMs) * 1000;
  return wallUs > 0 ? clamp((next.usageUs - prev.usageUs) / (wallUs * cores)) : undefined;
}

function clamp(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Where a {@linkcode CpuSampler} reads CPU time from. */
export type CpuSource =
  | "cgroup v2 cpu.stat"
  | "cgroup v1 cpuacct.usage"
  | "/proc/stat"
  | "load average";

/** Options of {@linkcode createCpuSampler}. */
export interface CpuSamplerOptions {
  /** How files are read. @default {runtime.readTextFile} */
  readTextFile?: ReadTextFile;
  /** Prefix for `/proc` and `/sys`, for fixture trees in tests. @default {""} */
  root?: string;
  /** The 1-minute load average, the last resort. @default {runtime.loadAverage} */
  loadAverage?: () => number | undefined;
  /**
   * Cores' worth of CPU time this process may use: 100 % means all of it is busy.
   * @default {the cgroup quota, capped by the effective cores of `detectCores()`}
   */
  cores?: number;
}

/**
 * Samples CPU utilisation between calls. The source is chosen at the first call (cgroup CPU
 * time, else `/proc/stat`, else load average) and kept, so that successive samples compare
 * like with like.
 *
 * @example
 * ```ts
 * import { createCpuSampler } from "./cpu_usage.ts";
 * const sampler = createCpuSampler();
 * sampler.sample(performance.now()); // undefined: nothing to compare with yet
 * ```
 */
export class CpuSampler {
  #read: ReadTextFile;
  #root: string;
  #load: () => number | undefined;
  #cgroup: CgroupReader;
  #cores: number;
  #source: CpuSource | undefined;
  #prevUsage: UsageSample | undefined;
  #prevStat: ProcStatSample | undefined;

  constructor(options: CpuSamplerOptions = {}) {
    this.#read = options.readTextFile ?? runtime.readTextFile;
    this.#root = options.root ?? "";
    this.#load = options.loadAverage ?? runtime.loadAverage;
    this.#cgroup = new CgroupReader({ readTextFile: this.#read, root: this.#root });
    if (options.cores !== undefined) {
      assertNumber("create a CPU sampler", "cores", options.cores, { min: MIN_CORES });
    }
    this.#cores = options.cores ?? defaultCores(this.#read, this.#root);
  }

  /** The source in use, once the first sample has chosen one. */
  get source(): CpuSource | undefined {
    return this.#source;
  }

  /** Cores' worth of CPU time that counts as 100 %. */
  get cores(): number {
    return this.#cores;
  }

  /**
   * Utilisation (0..1) since the previous call, or `undefined` on the first call, when no time
   * passed, or when the source became unreadable.
   */
  sample(nowMs: number): number | undefined {
    assertNumber("sample CPU usage", "nowMs", nowMs);
    this.#source ??= this.#pick();
    if (this.#source === "load average") {
      const load = this.#load();
      return load === undefined ? undefined : clamp(load / this.#cores);
    }
    if (this.#source === "/proc/stat") {
      const next = this.#procStat();
      const prev = this.#prevStat;
      if (next) this.#prevStat = next;
      return prev && next ? procStatUtilisation(prev, next) : undefined;
    }
    const usageUs = this.#usage(this.#source === "cgroup v2 cpu.stat" ? 2 : 1);
    if (usageUs === undefined) return undefined;
    const next = { usageUs, atMs: nowMs };
    const prev = this.#prevUsage;
    this.#prevUsage = next;
    return prev ? usageUtilisation(prev, next, { cores: this.#cores }) : undefined;
  }

  #pick(): CpuSource {
    if (this.#usage(2) !== undefined) return "cgroup v2 cpu.stat";
    if (this.#usage(1) !== undefined) return "cgroup v1 cpuacct.usage";
    if (this.#procStat()) return "/proc/stat";
    return "load average";
  }

  #usage(version: 1 | 2): number | undefined {
    const r = version === 2
      ? this.#cgroup.v2("cpu.stat")
      : this.#cgroup.v1("cpuacct", "cpuacct.usage");
    return r.ok ? parseCgroupCpuUsage(r.text, version) : undefined;
  }

  #procStat(): ProcStatSample | undefined {
    const r = this.#read(`${this.#root}/proc/stat`);
    return r.ok ? parseProcStat(r.text) : undefined;
  }
}

function defaultCores(read: ReadTextFile, root: string): number {
  const cores = detectCores({ readTextFile: read, root });
  return Math.min(cores.effective, cores.quota ?? Infinity);
}

/**
 * Creates a {@linkcode CpuSampler}; its file and load-average readers can be injected for tests.
 *
 * @example
 * ```ts
 * import { createCpuSampler } from "./cpu_usage.ts";
 * const sampler = createCpuSampler({ cores: 2 });
 * console.log(sampler.sample(Date.now()), sampler.source);
 * ```
 */
export function createCpuSampler(options: CpuSamplerOptions = {}): CpuSampler {
  return new CpuSampler(options);
}
