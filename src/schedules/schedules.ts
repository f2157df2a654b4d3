/**
 * The schedules of one job server: define, list, pause, resume and delete them, and the ticker
 * that fires their ticks. Every node runs a ticker; the store's atomic `fire` makes each tick
 * one job across all of them, so no node leads and a node that dies loses no tick.
 *
 * Missed ticks: a schedule's next tick stays stored while no node runs, so the first node back
 * fires it once (a single catch-up job, for the oldest tick missed), then moves on to the first
 * tick after now. Ticks missed while paused are never run.
 *
 * @module
 */
import type { JobStoreApi } from "../jobs/job_backend.ts";
import { QueueUnavailableError } from "../jobs/queue_unavailable.ts";
import type { JobRequest } from "../jobs/job.ts";
import type { ScheduleBook } from "./schedule_book.ts";
import {
  checkSchedule,
  loadCron,
  nextTick,
  nextTicks,
  type ScheduleLimits,
  type ScheduleSpec,
  type StoredSchedule,
  tickRequest,
} from "./schedule.ts";

/** Next ticks shown per schedule. */
export const NEXT_SHOWN = 3;

/** A schedule as `GET /schedules` and `list()` show it. */
export interface ScheduleView extends ScheduleSpec {
  paused: boolean;
  /** The next ticks (ISO times); none while paused. */
  nextRuns: string[];
  /** The last runs, newest first: when, which job, how it ended (its status now). */
  lastRuns: { at: string; jobId?: string; status: string; refused?: string }[];
}

/** What the schedules need from their server. */
export interface SchedulesSettings {
  book: ScheduleBook;
  store: JobStoreApi;
  limits: ScheduleLimits;
  /** Checks a spec further (its task exists, its job options are allowed); throws to refuse. */
  check: (spec: ScheduleSpec) => void;
  /** Fills what every job gets (the default timeout). */
  request: (request: JobRequest) => JobRequest;
  now: () => number;
  /** How often the ticker looks for due ticks, in ms. */
  pollMs: number;
  log: (e: unknown) => void;
}

/**
 * A server's schedules (`server.schedules`).
 *
 * @example
 * ```ts ignore
 * await server.schedules.put({ id: "report", cron: "0 9 * * 1-5", timezone: "Europe/Paris",
 *   task: "report", input: {} });
 * await server.schedules.pause("report");
 * ```
 */
export class Schedules {
  readonly limits: ScheduleLimits;
  #s: SchedulesSettings;
  #timer?: ReturnType<typeof setInterval>;
  #ticking = false;

  constructor(settings: SchedulesSettings) {
    this.#s = settings;
    this.limits = settings.limits;
  }

  /**
   * Creates or replaces a schedule (a replaced one keeps its paused state and runs). Throws
   * `ScheduleSpecError` (naming the field) or `SchedulesFullError`.
   */
  async put(spec: ScheduleSpec): Promise<"created" | "replaced"> {
    if (spec.cron !== undefined) await loadCron();
    checkSchedule(spec, this.limits);
    this.#s.check(spec);
    return await this.#s.book.put(spec, nextTick(spec, this.#s.now()), this.limits);
  }

  /** Every schedule with its next ticks and last runs. */
  async list(): Promise<ScheduleView[]> {
    const all = await this.#s.book.list();
    if (all.some((s) => s.spec.cron !== undefined)) await loadCron();
    return await Promise.all(all.map((s) => this.#view(s)));
  }

  /** One schedule, or undefined. */
  async get(id: string): Promise<ScheduleView | undefined> {
    const s = await this.#s.book.get(id);
    if (s?.spec.cron !== undefined) await loadCron();
    return s && this.#view(s);
  }

  /** Stops firing `id` until `resume`; false when there is no such schedule. */
  async pause(id: string): Promise<boolean> {
    return await this.#s.book.setPaused(id, true, 0);
  }

  /** Fires `id` again from its next tick after now (ticks missed while paused are not run). */
  async resume(id: string): Promise<boolean> {
    const s = await this.#s.book.get(id);
    if (!s) return false;
    if (s.spec.cron !== undefined) await loadCron();
    return await this.#s.book.setPaused(id, false, nextTick(s.spec, this.#s.now()));
  }

  /** Deletes `id`; false when there was none. Jobs it made are left alone. */
  async remove(id: string): Promise<boolean> {
    return await this.#s.book.remove(id);
  }

  /** Starts the ticker. */
  start(): void {
    this.#timer ??= setInterval(() => void this.tick(), this.#s.pollMs);
  }

  /** Stops the ticker. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Fires every due tick now (the ticker calls it; tests may too). */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const { now, due } = await this.#s.book.due();
      if (due.some((s) => s.spec.cron !== undefined)) await loadCron();
      for (const s of due) {
        // The oldest tick due fires (once, even after a long outage), then the next after now.
        const next = nextTick(s.spec, Math.max(now, s.nextMs));
        const request = this.#s.request(tickRequest(s.spec));
        await this.#s.book.fire(s.spec.id, s.nextMs, next, crypto.randomUUID(), request);
      }
    } catch (e) {
      // A queue out of reach is the outage log's to report (once, not every poll); the due
      // ticks stay due and fire once it answers again.
      if (!(e instanceof QueueUnavailableError)) this.#s.log(e);
    } finally {
      this.#ticking = false;
    }
  }

  async #view(s: StoredSchedule): Promise<ScheduleView> {
    const nextRuns = s.paused
      ? []
      : [s.nextMs, ...nextTicks(s.spec, s.nextMs, NEXT_SHOWN - 1)].filter(Number.isFinite)
        .map((t) => new Date(t).toISOString());
    const lastRuns = await Promise.all(s.runs.map(async (r) => {
      const at = new Date(r.at).toISOString();
      if (r.jobId === undefined) return { at, status: "refused", refused: r.refused };
      const found = await this.#s.store.lookup(r.jobId);
      const status = found.state === "found" ? found.job.status : found.state;
      return { at, jobId: r.jobId, status };
    }));
    return { ...s.spec, paused: s.paused, nextRuns, lastRuns };
  }
}
