/**
 * The hand-off probe: how long does it take to get a payload to a worker and back, by payload
 * size, with structured clone (a copy), transfer (the buffer moves, no copy) or shared memory
 * (nothing moves)? The pool supplies `send`, which does the real round trip; this module only
 * prepares payloads, times rounds with an injected clock and takes medians.
 *
 * @module
 */
import { formatBytes } from "./format_bytes.ts";
import { formatMs, formatTable } from "./text_format.ts";
import { assertInteger, assertOneOf } from "../validate.ts";

/** How a payload crosses to the worker. */
export type HandoffMode = "clone" | "transfer" | "shared";

/**
 * Sends `payload` to a worker in `mode` and resolves when the worker's reply is back. For
 * "transfer" it must list the buffer as transferable; for "shared" the payload is a
 * `SharedArrayBuffer`.
 */
export type HandoffSend = (
  payload: ArrayBuffer | SharedArrayBuffer,
  mode: HandoffMode,
) => Promise<void>;

/** One payload size in one mode. Times are `null` when the mode failed (see `error`). */
export interface HandoffRow {
  bytes: number;
  mode: HandoffMode;
  medianMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  rounds: number;
  error: string | null;
}

/** Options of {@linkcode probeHandoff}. */
export interface HandoffProbeOptions {
  /** Payload sizes in bytes. @default {[1024, 65536, 1048576, 16777216]} */
  sizes?: readonly number[];
  /** Modes to measure. @default {["clone", "transfer", "shared"]} */
  modes?: readonly HandoffMode[];
  /** Timed round trips per size and mode. @default {5} */
  rounds?: number;
  /** Untimed round trips first (worker start-up, JIT). @default {1} */
  warmup?: number;
  /** Millisecond clock. @default {() => performance.now()} */
  clock?: () => number;
}

const allModes: readonly HandoffMode[] = ["clone", "transfer", "shared"];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function payload(bytes: number, mode: HandoffMode): ArrayBuffer | SharedArrayBuffer {
  if (mode === "shared" && typeof SharedArrayBuffer !== "function") {
    throw new Error(
      "SharedArrayBuffer is not available here (browsers need cross-origin isolation)",
    );
  }
  const buf = mode === "shared" ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  // Touch every page, so that the copy is not of lazily mapped zero pages.
  new Uint8Array(buf).fill(1);
  return buf;
}

/**
 * Measures the median round trip of each mode for each payload size, one round at a time.
 *
 * @example
 * ```ts
 * import { probeHandoff } from "./handoff_probe.ts";
 * const rows = await probeHandoff(async () => {}, { sizes: [1024], rounds: 3 });
 * console.log(rows.length); // 3: one per mode
 * ```
 */
export async function probeHandoff(
  send: HandoffSend,
  options: HandoffProbeOptions = {},
): Promise<HandoffRow[]> {
  const {
    sizes = [1024, 65536, 1048576, 16777216],
    modes = allModes,
    rounds = 5,
    warmup = 1,
    clock = () => performance.now(),
  } = options;
  sizes.forEach((b, i) => assertInteger("probe hand-off", `sizes[${i}]`, b, { min: 1 }));
  modes.forEach((m, i) => assertOneOf("probe hand-off", `modes[${i}]`, m, allModes));
  assertInteger("probe hand-off", "rounds", rounds, { min: 1 });
  assertInteger("probe hand-off", "warmup", warmup);
  const rows: HandoffRow[] = [];
  for (const bytes of sizes) {
    for (const mode of modes) {
      const times: number[] = [];
      let error: string | null = null;
      try {
        // Clone and shared do not detach the buffer: one is enough. Transfer moves it away, so
        // each round needs a fresh one, made before the clock starts.
        let buf = payload(bytes, mode);
        for (let r = 0; r < warmup + rounds; r++) {
          if (mode === "transfer" && r > 0) buf = payload(bytes, mode);
          const start = clock();
          await send(buf, mode);
          if (r >= warmup) times.push(clock() - start);
        }
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const done = error === null;
      rows.push({
        bytes,
        mode,
        medianMs: done ? median(times) : null,
        minMs: done ? Math.min(...times) : null,
        maxMs: done ? Math.max(...times) : null,
        rounds: times.length,
        error,
      });
    }
  }
  return rows;
}

/**
 * Formats probe rows as a table: one line per payload size, one column per mode (medians).
 *
 * @example
 * ```ts
 * import { formatHandoff } from "./handoff_probe.ts";
 * console.log(formatHandoff([{ bytes: 1024, mode: "clone", medianMs: 0.05, minMs: 0.04,
 *   maxMs: 0.07, rounds: 5, error: null }]));
 * ```
 */
export function formatHandoff(rows: readonly HandoffRow[]): string {
  const sizes = [...new Set(rows.map((r) => r.bytes))];
  const modes = allModes.filter((m) => rows.some((r) => r.mode === m));
  const cell = (bytes: number, mode: HandoffMode): string => {
    const r = rows.find((x) => x.bytes === bytes && x.mode === mode);
    return r?.medianMs == null ? "n/a" : formatMs(r.medianMs);
  };
  const rounds = Math.max(0, ...rows.map((r) => r.rounds));
  const errors = [...new Set(rows.filter((r) => r.error).map((r) => `${r.mode}: ${r.error}`))];
  return [
    `Hand-off round trip, median of ${rounds} rounds`,
    ...formatTable(
      ["payload", ...modes],
      sizes.map((b) => [formatBytes(b), ...modes.map((m) => cell(b, m))]),
    ),
    ...errors.map((e) => `  n/a ${e}`),
  ].join("\n") + "\n";
}
