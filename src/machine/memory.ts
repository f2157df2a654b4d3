/**
 * Memory this process may use: the machine's memory, capped by the cgroup memory limit.
 *
 * @module
 */
import type { SystemMemory } from "../adapter/types.ts";
import { type CgroupRead, CgroupReader, type ReadTextFile } from "./cgroup.ts";
import { formatBytes } from "../report/format_bytes.ts";
import { runtime } from "../adapter/runtime.ts";

/** Total and available memory in bytes, the figures they came from, and why. */
export interface MemoryProfile {
  /** Bytes this process may use: the machine total or the cgroup limit, whichever is lower. */
  total: number | null;
  /** Bytes still free for this process. */
  available: number | null;
  /** The machine's own total and available bytes, or `null` when unreadable. */
  host: SystemMemory | null;
  /** The cgroup memory limit in bytes; `null` when there is none or it is unreadable. */
  limit: number | null;
  /** The cgroup's current memory use in bytes (page cache included), or `null`. */
  usage: number | null;
  /** Which figure won, in words. */
  reason: string;
  /** Where the machine figure and the cgroup limit came from, or why they are missing. */
  details: { host: string; limit: string };
}

/** Options of {@linkcode detectMemory}. */
export interface DetectMemoryOptions {
  /** How files are read. @default {runtime.readTextFile} */
  readTextFile?: ReadTextFile;
  /** Prefix for `/proc` and `/sys`, for fixture trees in tests. @default {""} */
  root?: string;
  /** The runtime's view of machine memory, tried before `/proc/meminfo`. @default {runtime.systemMemory} */
  systemMemory?: () => SystemMemory | undefined;
}

// cgroup v1 writes "unlimited" as a page-aligned 2^63 - 1; nothing real comes near 1 EiB.
const UNLIMITED = 2 ** 60;

/**
 * Parses a cgroup memory limit (`memory.max` or `memory.limit_in_bytes`): bytes, `"max"` for
 * no limit (v1's huge values too), or `undefined` for text that is neither.
 *
 * @example
 * ```ts
 * import { parseMemoryLimit } from "./memory.ts";
 * parseMemoryLimit("536870912\n"); // 536870912
 * ```
 */
export function parseMemoryLimit(text: string): number | "max" | undefined {
  const t = text.trim();
  if (t === "max") return "max";
  if (!/^\d+$/.test(t)) return undefined;
  const bytes = Number(t);
  return bytes >= UNLIMITED ? "max" : bytes;
}

/**
 * Parses `/proc/meminfo` into total and available bytes. Kernels before 3.14 have no
 * `MemAvailable`; `MemFree` then stands in, which understates what is available.
 *
 * @example
 * ```ts
 * import { parseMeminfo } from "./memory.ts";
 * parseMeminfo("MemTotal: 2048 kB\nMemAvailable: 1024 kB\n"); // { total: 2097152, available: 1048576 }
 * ```
 */
export function parseMeminfo(text: string): SystemMemory | undefined {
  const field = (name: string): number | undefined => {
    const m = new RegExp(`^${name}:\\s*(\\d+) kB$`, "m").exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = field("MemTotal");
  const available = field("MemAvailable") ?? field("MemFree");
  return total === undefined || available === undefined ? undefined : { total, available };
}

function readHost(options: DetectMemoryOptions, read: ReadTextFile, root: string) {
  const fromRuntime = (options.systemMemory ?? runtime.systemMemory)();
  if (fromRuntime) return { host: fromRuntime, detail: "the runtime's system memory" };
  const r = read(`${root}/proc/meminfo`);
  if (!r.ok) return { host: null, detail: `/proc/meminfo: ${r.reason}` };
  const host = parseMeminfo(r.text) ?? null;
  return { host, detail: host ? "/proc/meminfo" : "/proc/meminfo has no MemTotal" };
}

function readLimit(reader: CgroupReader) {
  let limit: CgroupRead = reader.v2("memory.max");
  let usage = () => reader.v2("memory.current");
  let name = "cgroup v2 memory.max";
  if (!limit.ok && limit.reason === "missing") {
    limit = reader.v1("memory", "memory.limit_in_bytes");
    usage = () => reader.v1("memory", "memory.usage_in_bytes");
    name = "cgroup v1 memory.limit_in_bytes";
  }
  if (!limit.ok) {
    const detail = limit.reason === "missing"
      ? "no cgroup memory limit file"
      : `cgroup memory limit: ${limit.reason}`;
    return { limit: null, usage: null, detail };
  }
  const parsed = parseMemoryLimit(limit.text);
  if (parsed === undefined) {
    return {
      limit: null,
      usage: null,
      detail: `${name} is not a byte count: ${JSON.stringify(limit.text.trim())}`,
    };
  }
  if (parsed === "max") return { limit: null, usage: null, detail: `${name} is unlimited` };
  const u = usage();
  const used = u.ok && /^\d+$/.test(u.text.trim()) ? Number(u.text.trim()) : null;
  return { limit: parsed, usage: used, detail: `${name} ${formatBytes(parsed)}` };
}

/**
 * Detects total and available memory, honouring the cgroup memory limit (v2 `memory.max`, v1
 * `memory.limit_in_bytes`) and its current usage. Machine memory comes from the runtime, else
 * `/proc/meminfo`. Unreadable sources (Deno without `--allow-read` or `--allow-sys`) are
 * skipped, with the reason in `details`.
 *
 * @example
 * ```ts
 * import { detectMemory } from "./memory.ts";
 * const m = detectMemory();
 * console.log(m.total, m.reason);
 * ```
 */
export function detectMemory(options: DetectMemoryOptions = {}): MemoryProfile {
  const read = options.readTextFile ?? runtime.readTextFile;
  const root = options.root ?? "";
  const { host, detail: hostDetail } = readHost(options, read, root);
  const { limit, usage, detail: limitDetail } = readLimit(
    new CgroupReader({ readTextFile: read, root }),
  );
  const details = { host: hostDetail, limit: limitDetail };
  const profile = (total: number | null, available: number | null, reason: string) => ({
    total,
    available,
    host,
    limit,
    usage,
    reason,
    details,
  });
  if (limit !== null && (host === null || limit < host.total)) {
    // Usage counts page cache the kernel can reclaim, so this errs on the low side.
    let available = usage === null ? limit : Math.max(0, limit - usage);
    if (host) available = Math.min(available, host.available);
    const used = usage === null ? "" : `, ${formatBytes(usage)} in use`;
    return profile(limit, available, `${limitDetail}${used}`);
  }
  if (host === null) return profile(null, null, `${hostDetail}; ${limitDetail}`);
  const cap = limit === null ? limitDetail : `${limitDetail} is above machine memory`;
  return profile(host.total, host.available, `${hostDetail} (${cap})`);
}
