/**
 * What the pool has learned about one task name: counts, recent (EMA) and long-run (histogram)
 * wait/run/busy times, result sizes, and the wait-to-compute ratio W/C that routes it to the
 * worker lane or the async lane.
 *
 * @module
 */
import { waitComputeRatio } from "../sizing/littles_law.ts";
import { Ema } from "./ema.ts";
import type { Lane } from "../lane.ts";
import { Histogram, type LatencySummary } from "./histogram.ts";

/**
 * Where a task ran: one of the pool's two lanes, or the calling thread (inline).
 */
export type RanIn = Lane | "inline";

/** One finished task, as the pool measured it. */
export interface TaskSample {
  /** Time in the queue before a worker picked it up. */
  waitMs: number;
  /** Wall time from start to result on the worker. */
  runMs: number;
  /** Time the worker's thread was busy with it (CPU); `runMs − busyMs` is time spent awaiting. */
  busyMs: number;
  /** Size of the result as sent back, when known. */
  resultBytes?: number;
  /** `false` when the task threw, timed out or its worker crashed. */
  ok: boolean;
  /** Where it ran, when the pool knows. */
  lane?: RanIn;
}

/** Plain-data summary of one task name. */
export interface TaskSummary {
  name: string;
  /** Where the most recent run ran; `null` when the pool did not say. */
  lane: RanIn | null;
  queued: number;
  count: number;
  ok: number;
  failed: number;
  wait: LatencySummary;
  run: LatencySummary;
  busy: LatencySummary;
  /** Recent averages (EMA) in milliseconds. */
  recent: { waitMs: number; runMs: number; busyMs: number };
  /** W/C from the recent averages; `null` before any sample or when busy time is 0. */
  waitComputeRatio: number | null;
  /** Result bytes: total and mean over the tasks that reported a size. */
  resultBytes: { total: number; mean: number };
}

/**
 * Running statistics of one task name, in fixed memory.
 *
 * @example
 * ```ts
 * import { TaskStats } from "./task_stats.ts";
 * const s = new TaskStats("parse");
 * s.record({ waitMs: 1, runMs: 30, busyMs: 10, ok: true });
 * console.log(s.summary().waitComputeRatio); // 2
 * ```
 */
export class TaskStats {
  /** The task name. */
  readonly name: string;
  #queued = 0;
  #ok = 0;
  #failed = 0;
  #lane: RanIn | null = null;
  #bytesTotal = 0;
  #bytesCount = 0;
  #wait: Histogram;
  #run: Histogram;
  #busy: Histogram;
  #waitEma: Ema;
  #runEma: Ema;
  #busyEma: Ema;

  constructor(
    name: string,
    { alpha = 0.2, relativeError = 0.01 }: {
      /** EMA weight of a new sample. @default {0.2} */
      alpha?: number;
      /** Histogram relative error. @default {0.01} */
      relativeError?: number;
    } = {},
  ) {
    this.name = name;
    this.#wait = new Histogram({ relativeError });
    this.#run = new Histogram({ relativeError });
    this.#busy = new Histogram({ relativeError });
    this.#waitEma = new Ema({ alpha });
    this.#runEma = new Ema({ alpha });
    this.#busyEma = new Ema({ alpha });
  }

  /** Counts `n` tasks of this name entering the queue. */
  queued(n = 1): void {
    this.#queued += n;
  }

  /** Adds one finished task. Failed tasks count in the times too: a timeout is a latency. */
  record(sample: TaskSample): void {
    this.recordAll([sample]);
  }

  /**
   * Adds finished tasks in order, as `record` would one by one: the histograms and EMAs take
   * the batch's times in one call each, so a batch costs a few calls, not a few per task.
   */
  recordAll(samples: readonly TaskSample[]): void {
    const n = samples.length;
    const wait = new Float64Array(n);
    const run = new Float64Array(n);
    const busy = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const sample = samples[i];
      if (sample.ok) this.#ok++;
      else this.#failed++;
      if (sample.lane) this.#lane = sample.lane;
      wait[i] = sample.waitMs;
      run[i] = sample.runMs;
      busy[i] = sample.busyMs;
      if (sample.resultBytes !== undefined) {
        this.#bytesTotal += sample.resultBytes;
        this.#bytesCount++;
      }
    }
    this.#wait.recordAll(wait);
    this.#run.recordAll(run);
    this.#busy.recordAll(busy);
    this.#waitEma.updateAll(wait);
    this.#runEma.updateAll(run);
    this.#busyEma.updateAll(busy);
  }

  /** A plain-data copy of the current statistics. */
  summary(): TaskSummary {
    const recent = {
      waitMs: this.#waitEma.value,
      runMs: this.#runEma.value,
      busyMs: this.#busyEma.value,
    };
    return {
      name: this.name,
      lane: this.#lane,
      queued: this.#queued,
      count: this.#ok + this.#failed,
      ok: this.#ok,
      failed: this.#failed,
      wait: this.#wait.summary(),
      run: this.#run.summary(),
      busy: this.#busy.summary(),
      recent,
      // Unknown until the task computed at all; busy above run (two clocks) is no waiting.
      waitComputeRatio: recent.busyMs > 0
        ? waitComputeRatio(recent.runMs - recent.busyMs, recent.busyMs)
        : null,
      resultBytes: {
        total: this.#bytesTotal,
        mean: this.#bytesCount === 0 ? 0 : this.#bytesTotal / this.#bytesCount,
      },
    };
  }
}
