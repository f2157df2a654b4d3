/**
 * A schedule: what it runs (a task, its input and job options) and when (a cron expression in a
 * time zone, or every N ms), with the pure rules both stores share: checking a definition and
 * computing its tick times. Tick times are the same on every node (a cron's instants, or the
 * multiples of `everyMs` since the epoch), so nodes agree on which tick is due without talking.
 *
 * @module
 */
import type { Cron } from "croner";
import type { JobRequest } from "../jobs/job.ts";

type CronClass = typeof Cron;
let CronOf: CronClass | undefined;

/**
 * Loads croner, the cron library, once: only schedules with a `cron` expression need it (it is
 * an optional peer dependency, kept out of every import graph until then).
 */
export async function loadCron(): Promise<void> {
  if (CronOf) return;
  try {
    CronOf = (await import("croner")).Cron;
  } catch (e) {
    throw new Error(
      "Schedules with a cron expression need the croner package: npm install croner",
      {
        cause: e,
      },
    );
  }
}

/** Job options a schedule's jobs get (those of `POST /jobs` but the task, input and delay). */
export type ScheduleJobOptions = Omit<JobRequest, "task" | "input" | "delayMs">;

/** A schedule as it is defined (`POST /schedules`, `server.schedules.put`). */
export interface ScheduleSpec {
  /** Names the schedule: letters, digits, `_ . : -`, at most 100. */
  id: string;
  /** A cron expression (5 fields, or 6 with seconds first), read by croner. */
  cron?: string;
  /** Or a fixed interval: ticks at the multiples of it since the epoch. */
  everyMs?: number;
  /** The IANA time zone of the cron expression. @default {"UTC"} */
  timezone?: string;
  task: string;
  input?: unknown;
  jobOptions?: ScheduleJobOptions;
}

/** One tick that ran: when it was due, the job it made, or why none was made. */
export interface ScheduleRun {
  /** The tick's time (ms since the epoch). */
  at: number;
  jobId?: string;
  /** The error code that refused the job (`queue_full`, …): the tick is not tried again. */
  refused?: string;
}

/** A schedule as a store holds it. */
export interface StoredSchedule {
  spec: ScheduleSpec;
  paused: boolean;
  /** The next tick due (ms); a paused schedule keeps the one it had. */
  nextMs: number;
  /** The last runs, newest first. */
  runs: ScheduleRun[];
}

/** The bounds of schedules. */
export interface ScheduleLimits {
  /** Schedules kept at most. @default {1000} */
  maxSchedules: number;
  /** The shortest time between two ticks. @default {1000} */
  minIntervalMs: number;
}

/** Defaults of {@linkcode ScheduleLimits}. */
export const SCHEDULE_LIMITS: ScheduleLimits = { maxSchedules: 1000, minIntervalMs: 1000 };

/** Runs kept per schedule (newest first). */
export const RUNS_KEPT = 10;

/** Ticks looked at to find a cron expression's shortest interval. */
const SPACING_SAMPLE = 50;

/** A schedule definition that cannot be used: `field` names what is wrong. */
export class ScheduleSpecError extends Error {
  override name = "ScheduleSpecError";
  readonly field: string;
  /** `invalid_cron`, `invalid_timezone`, `interval_too_short` or `invalid_request`. */
  readonly code: string;
  constructor(field: string, code: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
    this.code = code;
  }
}

/** Every tick generator croner makes here is paused: it computes, it never sets a timer. */
function cronOf(spec: ScheduleSpec): Cron {
  if (!CronOf) throw new Error("Call loadCron() before using a cron expression");
  let cron: Cron;
  try {
    cron = new CronOf(spec.cron!, { paused: true, timezone: spec.timezone ?? "UTC" });
  } catch (e) {
    throw new ScheduleSpecError("cron", "invalid_cron", `${JSON.stringify(spec.cron)} ${msg(e)}`);
  }
  return cron;
}

function msg(e: unknown): string {
  return `is not valid (${String((e as Error)?.message ?? e)})`;
}

/**
 * Checks a definition: exactly one of `cron` and `everyMs`, a cron expression croner reads, a
 * time zone the runtime knows, and ticks at least `minIntervalMs` apart. Throws
 * `ScheduleSpecError` naming the field.
 *
 * @example
 * ```ts
 * import { checkSchedule, loadCron, SCHEDULE_LIMITS } from "./schedule.ts";
 * await loadCron();
 * checkSchedule({ id: "nightly", cron: "0 3 * * *", timezone: "Europe/Paris", task: "t" }, SCHEDULE_LIMITS);
 * try {
 *   checkSchedule({ id: "x", cron: "61 * * * *", task: "t" }, SCHEDULE_LIMITS);
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("cron:")); // true
 * }
 * ```
 */
export function checkSchedule(spec: ScheduleSpec, limits: ScheduleLimits): void {
  const hasCron = spec.cron !== undefined;
  const hasEvery = spec.everyMs !== undefined;
  if (hasCron === hasEvery) {
    throw new ScheduleSpecError("cron", "invalid_request", "give exactly one of cron and everyMs");
  }
  if (spec.timezone !== undefined) {
    if (!hasCron) {
      throw new ScheduleSpecError("timezone", "invalid_request", "applies to cron only");
    }
    try {
      new Intl.DateTimeFormat("en", { timeZone: spec.timezone });
    } catch {
      throw new ScheduleSpecError(
        "timezone",
        "invalid_timezone",
        `${JSON.stringify(spec.timezone)} is not an IANA time zone this runtime knows`,
      );
    }
  }
  if (hasEvery) {
    if (!Number.isInteger(spec.everyMs) || spec.everyMs! < limits.minIntervalMs) {
      throw new ScheduleSpecError(
        "everyMs",
        "interval_too_short",
        `${spec.everyMs} ms is under the minimum interval of ${limits.minIntervalMs} ms`,
      );
    }
    return;
  }
  const runs = cronOf(spec).nextRuns(SPACING_SAMPLE, new Date(0));
  if (runs.length === 0) {
    throw new ScheduleSpecError("cron", "invalid_cron", `${JSON.stringify(spec.cron)} never fires`);
  }
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i].getTime() - runs[i - 1].getTime();
    if (gap < limits.minIntervalMs) {
      throw new ScheduleSpecError(
        "cron",
        "interval_too_short",
        `${JSON.stringify(spec.cron)} fires ${gap} ms apart, under the minimum interval of ` +
          `${limits.minIntervalMs} ms`,
      );
    }
  }
}

/**
 * The first `n` ticks of `spec` strictly after `afterMs` (ms since the epoch).
 *
 * @example
 * ```ts
 * import { nextTicks } from "./schedule.ts";
 * const spec = { id: "s", everyMs: 60_000, task: "t" };
 * console.log(nextTicks(spec, 90_000, 2)); // [120000, 180000]
 * ```
 */
export function nextTicks(spec: ScheduleSpec, afterMs: number, n: number): number[] {
  if (spec.everyMs !== undefined) {
    const first = (Math.floor(afterMs / spec.everyMs) + 1) * spec.everyMs;
    return Array.from({ length: n }, (_, i) => first + i * spec.everyMs!);
  }
  return cronOf(spec).nextRuns(n, new Date(afterMs)).map((d) => d.getTime());
}

/** The tick after `afterMs`, or `Infinity` for a cron that no longer fires. */
export function nextTick(spec: ScheduleSpec, afterMs: number): number {
  return nextTicks(spec, afterMs, 1)[0] ?? Infinity;
}

/** The job a tick makes. */
export function tickRequest(spec: ScheduleSpec): JobRequest {
  return { ...spec.jobOptions, task: spec.task, input: spec.input };
}
