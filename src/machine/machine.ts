/**
 * The machine profile: everything workloom needs to know about where it runs, in one plain,
 * JSON-serialisable object with a reason for every figure.
 *
 * @module
 */
import type { RuntimeKey, SystemMemory } from "../adapter/types.ts";
import type { ReadTextFile } from "./cgroup.ts";
import { type CoresProfile, detectCores } from "./cores.ts";
import { detectEnvironment, type EnvironmentProfile, type EnvLookup } from "./environment.ts";
import { detectMemory, type MemoryProfile } from "./memory.ts";
import { runtime } from "../adapter/runtime.ts";
import { detectSharedMemory, type SharedMemoryProfile } from "./shared_memory.ts";

/** Where workloom runs and what it may use. */
export interface MachineProfile {
  runtime: { key: RuntimeKey; version: string };
  cores: CoresProfile;
  memory: MemoryProfile;
  sharedMemory: SharedMemoryProfile;
  environment: EnvironmentProfile;
}

/** Options of {@linkcode detectMachine}; each replaces one source, for tests. */
export interface DetectMachineOptions {
  /** How files are read. @default {runtime.readTextFile} */
  readTextFile?: ReadTextFile;
  /** Prefix for `/proc` and `/sys`, so tests can point at a fixture tree. @default {""} */
  root?: string;
  /** Reads environment variables. @default {runtime.env} */
  env?: EnvLookup;
  /** Hardware concurrency to assume. @default {navigator.hardwareConcurrency} */
  hardwareConcurrency?: number;
  /** Machine memory as the runtime reports it. @default {runtime.systemMemory} */
  systemMemory?: () => SystemMemory | undefined;
}

/**
 * Detects the machine profile: runtime, effective cores, memory, shared-memory support and
 * environment. Never fails for lack of permissions (Deno without `--allow-read`): unreadable
 * sources are skipped and the reasons say so. Throws a `TypeError` only for an invalid
 * `WORKLOOM_ENV`.
 *
 * @example
 * ```ts
 * import { detectMachine } from "./machine.ts";
 * const machine = detectMachine();
 * console.log(machine.cores.effective, machine.cores.reason);
 * ```
 */
export function detectMachine(options: DetectMachineOptions = {}): MachineProfile {
  const { readTextFile, root, hardwareConcurrency, systemMemory } = options;
  return {
    runtime: { key: runtime.key, version: runtime.version },
    cores: detectCores({ readTextFile, root, hardwareConcurrency }),
    memory: detectMemory({ readTextFile, root, systemMemory }),
    sharedMemory: detectSharedMemory(),
    environment: detectEnvironment(options.env ?? runtime.env),
  };
}
