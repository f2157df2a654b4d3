/**
 * The machine profile as a three-column text table (what, figure, why), for `workloom profile`.
 *
 * @module
 */
import { formatBytes } from "../report/format_bytes.ts";
import type { MachineProfile } from "./machine.ts";

// Missing figures print as "-"; the last column says whether that means "no limit" or "unknown".
function bytes(n: number | null): string {
  return n === null ? "-" : formatBytes(n);
}

function count(n: number | null): string {
  return n === null ? "-" : String(n);
}

/**
 * Formats a machine profile for people. Every figure is followed by where it came from.
 *
 * @example
 * ```ts
 * import { detectMachine } from "./machine.ts";
 * import { formatMachine } from "./format_machine.ts";
 * console.log(formatMachine(detectMachine()));
 * ```
 */
export function formatMachine(profile: MachineProfile): string {
  const { cores, memory, sharedMemory: shm, environment } = profile;
  const shared = shm.atomicsWaitInWorkers && shm.atomicsWaitAsync
    ? "yes"
    : shm.sharedArrayBuffer
    ? "partial"
    : "no";
  const rows: [string, string, string][] = [
    ["runtime", `${profile.runtime.key} ${profile.runtime.version}`, ""],
    ["cores", String(cores.effective), cores.reason],
    ["  hardware", count(cores.hardware), cores.details.hardware],
    ["  affinity", count(cores.affinity), cores.details.affinity],
    ["  cgroup quota", count(cores.quota), cores.details.quota],
    ["memory total", bytes(memory.total), memory.reason],
    ["memory available", bytes(memory.available), ""],
    ["  machine", bytes(memory.host?.total ?? null), memory.details.host],
    ["  cgroup limit", bytes(memory.limit), memory.details.limit],
    ["shared memory", shared, shm.reason],
    ["environment", environment.name, environment.reason],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([what, figure, why]) =>
    `${what.padEnd(w0)}  ${figure.padEnd(w1)}  ${why}`.trimEnd()
  )
    .join("\n");
}
