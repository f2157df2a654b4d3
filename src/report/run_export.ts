/**
 * Saving a run as JSON and reading it back. The record carries a `version` so that a file
 * written today is still read correctly (or refused with a clear message) after the format
 * changes. Reading validates every field the report and the trend use, and names the exact
 * path of the first bad one.
 *
 * @module
 */
import type { MetricsSnapshot } from "../metrics/metrics_snapshot.ts";
import { assertNumber } from "../validate.ts";

/** The format version {@linkcode exportRun} writes and {@linkcode parseRun} reads. */
export const RUN_FORMAT_VERSION = 1;

/** One saved run. */
export interface RunRecord {
  version: 1;
  /** What the run was, e.g. "nightly" or a commit. */
  label: string;
  /** Wall-clock time of the run, in milliseconds since the epoch. */
  at: number;
  snapshot: MetricsSnapshot;
}

/**
 * Wraps a snapshot into a plain, JSON-safe record (a deep copy).
 *
 * @example
 * ```ts
 * import { exportRun } from "./run_export.ts";
 * import { MetricsRecorder } from "../metrics/metrics_recorder.ts";
 * const snap = new MetricsRecorder(0).snapshot(10, { workers: 1, busyWorkers: 0,
 *   idleWorkers: 1, queueDepth: 0, inFlight: 0, capacity: 1 });
 * const json = JSON.stringify(exportRun(snap, { label: "nightly", at: Date.UTC(2025, 0, 1) }));
 * ```
 */
export function exportRun(
  snapshot: MetricsSnapshot,
  meta: { label: string; at: number },
): RunRecord {
  if (typeof meta?.label !== "string") {
    throw new TypeError(
      `Cannot export run as 'label' must be a string: current value is ${
        JSON.stringify(meta?.label)
      }`,
    );
  }
  assertNumber("export run", "at", meta.at);
  return {
    version: RUN_FORMAT_VERSION,
    label: meta.label,
    at: meta.at,
    snapshot: structuredClone(snapshot),
  };
}

type Spec =
  | "number"
  | "string"
  | "number|null"
  | "string|null"
  | "number?"
  | "string?"
  | Shape
  | [Spec];
interface Shape {
  [key: string]: Spec;
}

const latency: Shape = {
  count: "number",
  min: "number",
  max: "number",
  mean: "number",
  p50: "number",
  p90: "number",
  p99: "number",
};
const snapshotShape: Shape = {
  at: "number",
  startedAt: "number",
  elapsedMs: "number",
  pool: {
    workers: "number",
    busyWorkers: "number",
    idleWorkers: "number",
    queueDepth: "number",
    inFlight: "number",
    capacity: "number",
    cpu: "number|null",
  },
  queued: "number",
  finished: "number",
  ok: "number",
  failed: "number",
  runMs: "number",
  busyMs: "number",
  successRate: "number|null",
  throughput: { windowMs: "number", recent: "number", overall: "number", arrivals: "number" },
  utilisation: "number",
  occupancy: "number",
  tasks: [{
    name: "string",
    lane: "string|null",
    queued: "number",
    count: "number",
    ok: "number",
    failed: "number",
    wait: latency,
    run: latency,
    busy: latency,
    recent: { waitMs: "number", runMs: "number", busyMs: "number" },
    waitComputeRatio: "number|null",
    resultBytes: { total: "number", mean: "number" },
  }],
  stages: [{
    stage: "string",
    tasks: "number",
    ok: "number",
    failed: "number",
    firstStartAt: "number",
    lastFinishAt: "number",
    durationMs: "number",
    maxTaskMs: "number",
    meanTaskMs: "number",
  }],
  workers: [{ workerId: "string", tasks: "number", runMs: "number", busyMs: "number" }],
  queueHistory: ["number"],
  decisions: [{
    at: "number",
    kind: "string",
    reason: "string",
    from: "number?",
    to: "number?",
    task: "string?",
  }],
};

function fail(path: string, rule: string, value: unknown): never {
  const shown = value === undefined ? "undefined" : JSON.stringify(value)?.slice(0, 60);
  throw new TypeError(`Cannot parse run as '${path}' must be ${rule}: current value is ${shown}`);
}

function check(value: unknown, spec: Spec, path: string): void {
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) fail(path, "an array", value);
    value.forEach((v, i) => check(v, spec[0], `${path}[${i}]`));
  } else if (typeof spec === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(path, "an object", value);
    }
    for (const [k, s] of Object.entries(spec)) {
      check((value as Record<string, unknown>)[k], s, path ? `${path}.${k}` : k);
    }
  } else {
    const [type, extra] = spec.split(/(?=[|?])/);
    if (extra === "|null" && value === null) return;
    if (extra === "?" && value === undefined) return;
    const ok = type === "number"
      ? typeof value === "number" && Number.isFinite(value)
      : typeof value === "string";
    if (!ok) {
      fail(
        path,
        `${type === "number" ? "a finite number" : "a string"}${
          extra === "|null" ? " or null" : ""
        }`,
        value,
      );
    }
  }
}

/**
 * Reads a saved run from JSON text (or an already parsed value) and checks its shape.
 * Throws `SyntaxError` for text that is not JSON, `RangeError` for another format version,
 * and `TypeError` naming the first field that is missing or of the wrong type.
 *
 * @example
 * ```ts
 * import { parseRun } from "./run_export.ts";
 * try {
 *   parseRun('{"version": 2}');
 * } catch (e) {
 *   console.log((e as Error).message); // Cannot parse run as 'version' must be 1: current value is 2
 * }
 * ```
 */
export function parseRun(input: unknown): RunRecord {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new SyntaxError(
        `Cannot parse run as the text is not JSON: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("(root)", "an object", value);
  }
  const version = (value as { version?: unknown }).version;
  if (version !== RUN_FORMAT_VERSION) {
    throw new RangeError(
      `Cannot parse run as 'version' must be ${RUN_FORMAT_VERSION}: current value is ${
        JSON.stringify(version)
      }`,
    );
  }
  check(value, { label: "string", at: "number", snapshot: snapshotShape }, "");
  return value as RunRecord;
}
