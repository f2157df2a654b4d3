/**
 * The in-memory schedules: the process's own, gone with it.
 *
 * @module
 */
import type { JobRunnerApi } from "../jobs/job_backend.ts";
import type { JobRequest } from "../jobs/job.ts";
import { type FireOutcome, type ScheduleBook, SchedulesFullError } from "./schedule_book.ts";
import {
  RUNS_KEPT,
  type ScheduleLimits,
  type ScheduleRun,
  type ScheduleSpec,
  type StoredSchedule,
} from "./schedule.ts";

/**
 * The schedules of one process, firing through its runner.
 *
 * @example
 * ```ts ignore
 * import { MemorySchedules } from "./memory_schedules.ts";
 * const book = new MemorySchedules(runner, () => Date.now());
 * ```
 */
export class MemorySchedules implements ScheduleBook {
  #all = new Map<string, StoredSchedule>();
  #runner: JobRunnerApi;
  #now: () => number;
  /** What a refused submission's error is called in a run. */
  #codeOf: (e: unknown) => string | undefined;

  constructor(runner: JobRunnerApi, now: () => number, codeOf: (e: unknown) => string | undefined) {
    this.#runner = runner;
    this.#now = now;
    this.#codeOf = codeOf;
  }

  put(spec: ScheduleSpec, nextMs: number, limits: ScheduleLimits): "created" | "replaced" {
    const held = this.#all.get(spec.id);
    if (!held && this.#all.size >= limits.maxSchedules) {
      throw new SchedulesFullError(limits.maxSchedules);
    }
    this.#all.set(spec.id, { spec, paused: held?.paused ?? false, nextMs, runs: held?.runs ?? [] });
    return held ? "replaced" : "created";
  }

  list(): StoredSchedule[] {
    return [...this.#all.values()].map(copy);
  }

  get(id: string): StoredSchedule | undefined {
    const s = this.#all.get(id);
    return s && copy(s);
  }

  setPaused(id: string, paused: boolean, nextMs: number): boolean {
    const s = this.#all.get(id);
    if (!s) return false;
    if (s.paused && !paused) s.nextMs = nextMs;
    s.paused = paused;
    return true;
  }

  remove(id: string): boolean {
    return this.#all.delete(id);
  }

  due(): { now: number; due: StoredSchedule[] } {
    const now = this.#now();
    return {
      now,
      due: [...this.#all.values()].filter((s) => !s.paused && s.nextMs <= now).map(copy),
    };
  }

  async fire(
    id: string,
    expectMs: number,
    nextMs: number,
    _jobId: string,
    request: JobRequest,
  ): Promise<FireOutcome> {
    const s = this.#all.get(id);
    if (!s || s.paused || s.nextMs !== expectMs) return { state: "skipped" };
    // Claimed before the submission: one process, so nothing else fires it meanwhile.
    s.nextMs = nextMs;
    let run: ScheduleRun;
    let outcome: FireOutcome;
    try {
      const { job } = await this.#runner.submit(request);
      run = { at: expectMs, jobId: job.id };
      outcome = { state: "fired", jobId: job.id };
    } catch (e) {
      const code = this.#codeOf(e);
      if (code === undefined) {
        // Not a bound (draining, a bug): the tick was not made, so it stays due.
        s.nextMs = expectMs;
        throw e;
      }
      run = { at: expectMs, refused: code };
      outcome = { state: "refused", code };
    }
    s.runs.unshift(run);
    s.runs.length = Math.min(s.runs.length, RUNS_KEPT);
    return outcome;
  }
}

function copy(s: StoredSchedule): StoredSchedule {
  return { ...s, runs: [...s.runs] };
}
