/**
 * Where schedules live and how a tick is fired: the interface both stores implement (in memory:
 * memory_schedules.ts; on Redis: ../redis/redis_schedules.ts).
 *
 * @module
 */
import type { JobRequest } from "../jobs/job.ts";
import type { ScheduleLimits, ScheduleSpec, StoredSchedule } from "./schedule.ts";

/** A value now, or later (as in job_backend.ts, which imports this module's types). */
type Awaitable<T> = T | Promise<T>;

/** What firing a tick did. */
export type FireOutcome =
  | { state: "fired"; jobId: string }
  | { state: "refused"; code: string }
  /** Another node fired it, or the schedule was paused, changed or deleted meanwhile. */
  | { state: "skipped" };

/** More schedules than `maxSchedules`. */
export class SchedulesFullError extends Error {
  override name = "SchedulesFullError";
  constructor(max: number) {
    super(`The server keeps at most ${max} schedules (maxSchedules): delete one first`);
  }
}

/** A store of schedules: in memory, or in the shared queue's Redis. */
export interface ScheduleBook {
  /** Creates or replaces `spec` (its next tick `nextMs`); throws `SchedulesFullError`. */
  put(
    spec: ScheduleSpec,
    nextMs: number,
    limits: ScheduleLimits,
  ): Awaitable<"created" | "replaced">;
  /** Every schedule, in creation order. */
  list(): Awaitable<StoredSchedule[]>;
  /** One schedule, or undefined. */
  get(id: string): Awaitable<StoredSchedule | undefined>;
  /** Pauses, or resumes with the next tick `nextMs`; false when there is no such schedule. */
  setPaused(id: string, paused: boolean, nextMs: number): Awaitable<boolean>;
  /** Deletes it; false when there was none. */
  remove(id: string): Awaitable<boolean>;
  /** The unpaused schedules whose next tick is due, and the store's clock. */
  due(): Awaitable<{ now: number; due: StoredSchedule[] }>;
  /**
   * Fires the tick `expectMs` of schedule `id` once across every node: only while the schedule's
   * next tick is still `expectMs` and it is not paused, makes the job `request` (id `jobId`),
   * records the run and moves the next tick to `nextMs`, in one atomic step.
   */
  fire(
    id: string,
    expectMs: number,
    nextMs: number,
    jobId: string,
    request: JobRequest,
  ): Awaitable<FireOutcome>;
}
