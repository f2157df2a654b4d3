/**
 * Finds and reads the control-group files that limit this process (CPU quota, memory limit,
 * CPU usage), for cgroup v2 and v1.
 *
 * @module
 */
import type { ReadResult } from "../adapter/types.ts";
import { runtime } from "../adapter/runtime.ts";

/** Reads a small text file and never throws, like `runtime.readTextFile`. */
export type ReadTextFile = (path: string) => ReadResult;

/** Why a file could not be read. */
export type ReadFailure = Extract<ReadResult, { ok: false }>["reason"];

/**
 * Says why a file could not be read in words that fit a sentence: "missing" reads as "not found".
 *
 * @example
 * ```ts
 * import { describeFailure } from "./cgroup.ts";
 * describeFailure("missing"); // "not found"
 * ```
 */
export function describeFailure(reason: ReadFailure): string {
  if (reason === "missing") return "not found";
  if (reason === "unsupported") return "not supported";
  return reason;
}

/** A cgroup file that was found and read, or why none could be. */
export type CgroupRead =
  | { ok: true; text: string; version: 1 | 2 }
  | { ok: false; reason: ReadFailure };

/** The cgroup paths of this process, from `/proc/self/cgroup`. */
export interface CgroupPaths {
  /** The cgroup v2 path (the `0::/path` line), if there is one. */
  v2?: string;
  /** The cgroup v1 path of each controller, e.g. `{ cpu: "/docker/abc", memory: "/" }`. */
  v1: Record<string, string>;
}

/**
 * Parses `/proc/self/cgroup` (`hierarchy:controllers:path` lines). Malformed lines are skipped.
 *
 * @example
 * ```ts
 * import { parseCgroupPaths } from "./cgroup.ts";
 * parseCgroupPaths("0::/app\n"); // { v2: "/app", v1: {} }
 * ```
 */
export function parseCgroupPaths(text: string): CgroupPaths {
  const paths: CgroupPaths = { v1: {} };
  for (const line of text.split("\n")) {
    const match = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim());
    if (!match) continue;
    const [, id, controllers, path] = match;
    if (id === "0" && controllers === "") paths.v2 = path;
    else for (const c of controllers.split(",")) paths.v1[c] = path;
  }
  return paths;
}

// v1 controllers are often co-mounted, and the mount is named after the list.
const V1_MOUNTS: Record<string, string[]> = {
  cpu: ["cpu", "cpu,cpuacct", "cpuacct,cpu"],
  cpuacct: ["cpuacct", "cpu,cpuacct", "cpuacct,cpu"],
  memory: ["memory"],
};

/** Options of {@linkcode CgroupReader}. */
export interface CgroupReaderOptions {
  /** How files are read. @default {runtime.readTextFile} */
  readTextFile?: ReadTextFile;
  /** Prefix for `/proc` and `/sys`, so tests can point at a fixture tree. @default {""} */
  root?: string;
}

/**
 * Reads cgroup files, trying this process's own cgroup directory first, then the mount root:
 * inside a container without a cgroup namespace `/proc/self/cgroup` names a host path that does
 * not exist, and the container's own limits are at the root.
 *
 * @example
 * ```ts
 * import { CgroupReader } from "./cgroup.ts";
 * const r = new CgroupReader().v2("cpu.max");
 * console.log(r.ok ? r.text : r.reason);
 * ```
 */
export class CgroupReader {
  #read: ReadTextFile;
  #root: string;
  #paths: CgroupPaths;

  constructor(options: CgroupReaderOptions = {}) {
    this.#read = options.readTextFile ?? runtime.readTextFile;
    this.#root = options.root ?? "";
    const self = this.#read(`${this.#root}/proc/self/cgroup`);
    this.#paths = self.ok ? parseCgroupPaths(self.text) : { v1: {} };
  }

  /** Reads a cgroup v2 file such as `cpu.max`. */
  v2(file: string): CgroupRead {
    const base = `${this.#root}/sys/fs/cgroup`;
    return this.#first(candidates([base], this.#paths.v2, file), 2);
  }

  /** Reads a cgroup v1 file of one controller, such as `("cpu", "cpu.cfs_quota_us")`. */
  v1(controller: "cpu" | "cpuacct" | "memory", file: string): CgroupRead {
    const bases = V1_MOUNTS[controller].map((m) => `${this.#root}/sys/fs/cgroup/${m}`);
    return this.#first(candidates(bases, this.#paths.v1[controller], file), 1);
  }

  #first(paths: string[], version: 1 | 2): CgroupRead {
    let failure: ReadFailure = "missing";
    for (const path of paths) {
      const r = this.#read(path);
      if (r.ok) return { ok: true, text: r.text, version };
      // "missing" is the expected outcome of most candidates; any other reason says more.
      if (failure === "missing") failure = r.reason;
    }
    return { ok: false, reason: failure };
  }
}

function candidates(bases: string[], own: string | undefined, file: string): string[] {
  const out: string[] = [];
  if (own && own !== "/") { for (const b of bases) out.push(`${b}${own}/${file}`); }
  for (const b of bases) out.push(`${b}/${file}`);
  return out;
}
