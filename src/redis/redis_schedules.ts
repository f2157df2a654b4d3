/**
 * The schedules of a Redis queue: stored in Redis so that every node sees them, and fired by the
 * fire script, which claims a tick and makes its job in one atomic step.
 *
 * @module
 */
import type { JobRequest } from "../jobs/job.ts";
import type { FireOutcome, ScheduleBook } from "../schedules/schedule_book.ts";
import { SchedulesFullError } from "../schedules/schedule_book.ts";
import type { ScheduleLimits, ScheduleSpec, StoredSchedule } from "../schedules/schedule.ts";
import { FULL_CODES, type FullBound } from "../jobs/job_errors.ts";
import {
  DUE_SCHEDULES,
  FIRE_TICK,
  LIST_SCHEDULES,
  PAUSE_SCHEDULE,
  PUT_SCHEDULE,
  REMOVE_SCHEDULE,
} from "./lua/schedule_scripts.ts";
import type { RedisJobs, SubmitBounds } from "./redis_jobs.ts";

/** Due schedules fired per look, at most. */
const DUE_BATCH = 100;

/** A tick time for Redis: `+inf` for a cron that no longer fires. */
function ms(t: number): string {
  return Number.isFinite(t) ? String(t) : "+inf";
}

/**
 * Schedules kept in the queue's Redis.
 *
 * @example
 * ```ts ignore
 * import { RedisSchedules } from "./redis_schedules.ts";
 * const book = new RedisSchedules(jobs, bounds);
 * ```
 */
export class RedisSchedules implements ScheduleBook {
  #jobs: RedisJobs;
  #bounds: SubmitBounds;

  constructor(jobs: RedisJobs, bounds: SubmitBounds) {
    this.#jobs = jobs;
    this.#bounds = bounds;
  }

  async put(spec: ScheduleSpec, nextMs: number, limits: ScheduleLimits) {
    const reply = await PUT_SCHEDULE.run(this.#jobs.link, this.#jobs.keys, [
      spec.id,
      JSON.stringify(spec),
      ms(nextMs),
      limits.maxSchedules,
    ]);
    if (reply === "full") throw new SchedulesFullError(limits.maxSchedules);
    return reply as "created" | "replaced";
  }

  list(): Promise<StoredSchedule[]> {
    return this.#read("");
  }

  async get(id: string): Promise<StoredSchedule | undefined> {
    return (await this.#read(id))[0];
  }

  async setPaused(id: string, paused: boolean, nextMs: number): Promise<boolean> {
    const args = [id, paused ? "1" : "0", ms(nextMs)];
    return (await PAUSE_SCHEDULE.run(this.#jobs.link, this.#jobs.keys, args)) === 1;
  }

  async remove(id: string): Promise<boolean> {
    return (await REMOVE_SCHEDULE.run(this.#jobs.link, this.#jobs.keys, [id])) === 1;
  }

  async due(): Promise<{ now: number; due: StoredSchedule[] }> {
    const r = (await DUE_SCHEDULES.run(this.#jobs.link, this.#jobs.keys, [DUE_BATCH])) as string[];
    const due: StoredSchedule[] = [];
    for (let i = 1; i + 2 < r.length; i += 3) {
      due.push({ spec: JSON.parse(r[i + 1]), nextMs: Number(r[i + 2]), paused: false, runs: [] });
    }
    return { now: Number(r[0]), due };
  }

  async fire(
    id: string,
    expectMs: number,
    nextMs: number,
    jobId: string,
    request: JobRequest,
  ): Promise<FireOutcome> {
    const args = this.#jobs.submitArgs([{ id: jobId, request }], this.#bounds, "");
    args.push(id, String(expectMs), ms(nextMs));
    const r = (await FIRE_TICK.run(this.#jobs.link, this.#jobs.keys, args)) as string[];
    if (r[0] === "fired") return { state: "fired", jobId: r[1] };
    if (r[0] === "refused") {
      return { state: "refused", code: FULL_CODES[r[1] as FullBound] ?? r[1] };
    }
    return { state: "skipped" };
  }

  async #read(id: string): Promise<StoredSchedule[]> {
    const r = (await LIST_SCHEDULES.run(this.#jobs.link, this.#jobs.keys, [id])) as string[];
    const out: StoredSchedule[] = [];
    for (let i = 0; i + 4 < r.length; i += 5) {
      out.push({
        spec: JSON.parse(r[i + 1]),
        nextMs: r[i + 2] === "+inf" ? Infinity : Number(r[i + 2]),
        paused: r[i + 3] === "1",
        runs: JSON.parse(r[i + 4]),
      });
    }
    return out;
  }
}
