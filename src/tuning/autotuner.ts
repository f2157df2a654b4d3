/**
 * The adaptive controller's mechanism: a timer that, while the pool has work, samples it every
 * `monitorIntervalMs`, asks the pure policy (`decide`) for a shape, and applies it. It ticks only
 * while there is work, so an idle pool holds no timer. Just after it wakes it also looks early, at
 * FIRST_LOOK_MS and then at doubling delays until the interval takes over: a task that mostly
 * waits is routed to the async lane (and sized by Little's law) as soon as it has the samples for
 * it, not a whole interval later. A fresh server that gets 1 ms timer jobs ran them at a seventh of
 * its warm rate for that first interval.
 *
 * @module
 */
import { decide, type PoolSample } from "./controller.ts";
import {
  type ControllerOptions,
  resolveControllerOptions,
  type ResolvedControllerOptions,
} from "./controller_options.ts";
import type { Lane } from "../lane.ts";
import { type ControllerState, createControllerState, type Decision } from "./controller_state.ts";
import { type CpuSampler, createCpuSampler } from "../machine/cpu_usage.ts";

/** The first early look after a wake, ms; each next one waits twice as long. */
const FIRST_LOOK_MS = 20;

/** What the tuner needs from a pool. */
export interface Tunable {
  /** The pool's counters now, without the clock, the CPU reading and the core count. */
  sample(now: number): Omit<PoolSample, "now" | "cpuUtilization" | "cores">;
  /** Applies a new shape and lane routing. */
  apply(target: { workers: number; concurrency: number }, lanes: Record<string, Lane>): void;
  /** True when nothing is queued or running. */
  idle(): boolean;
}

/**
 * Runs the controller against a pool.
 *
 * @example
 * ```ts ignore
 * const tuner = new Autotuner(pool, 2, { maxWorkers: 4 });
 * tuner.wake(); // the pool has work
 * ```
 */
export class Autotuner {
  readonly options: ResolvedControllerOptions;
  #state: ControllerState = createControllerState();
  #timer: ReturnType<typeof setInterval> | undefined;
  #look: ReturnType<typeof setTimeout> | undefined;
  #cpu: Pick<CpuSampler, "sample">;
  #decisions: Decision[] = [];
  #idleTicks = 0;

  /**
   * @param cpu machine CPU reading 0–1 since the previous call; injectable for tests.
   * @default {a CpuSampler over /proc and the cgroup}
   */
  constructor(
    readonly pool: Tunable,
    readonly cores: number,
    options: ControllerOptions = {},
    cpu: Pick<CpuSampler, "sample"> = createCpuSampler({ cores }),
  ) {
    this.options = resolveControllerOptions(cores, options);
    this.#cpu = cpu;
  }

  /** Recent decisions with their reasons, oldest first (at most `historySize`). */
  get decisions(): readonly Decision[] {
    return this.#decisions;
  }

  /** Starts ticking if it is not already. Cheap: the pool calls it on every enqueue. */
  wake(): void {
    if (this.#timer !== undefined) return;
    this.#idleTicks = 0;
    this.#cpu.sample(performance.now()); // a baseline, so the first tick has a CPU reading
    this.#timer = setInterval(() => this.tick(performance.now()), this.options.monitorIntervalMs);
    this.#lookAfter(FIRST_LOOK_MS);
  }

  /** Ticks once after `ms`, then again after twice that, while that is shorter than the interval. */
  #lookAfter(ms: number): void {
    if (ms >= this.options.monitorIntervalMs) return;
    this.#look = setTimeout(() => {
      this.#look = undefined;
      this.tick(performance.now());
      if (this.#timer !== undefined) this.#lookAfter(ms * 2);
    }, ms);
  }

  /** Stops ticking (the pool closed, or it is idle). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#look);
    this.#look = undefined;
  }

  /** One control step: sample, decide, apply. Public so tests can drive it with a fake clock. */
  tick(now: number): void {
    const sample: PoolSample = {
      ...this.pool.sample(now),
      now,
      cores: this.cores,
      cpuUtilization: this.#cpu.sample(now),
    };
    const result = decide(this.#state, sample, this.options);
    this.#state = result.state;
    this.pool.apply(result.target, result.lanes);
    if (result.decisions.length > 0) {
      this.#decisions.push(...result.decisions);
      const excess = this.#decisions.length - this.options.historySize;
      if (excess > 0) this.#decisions.splice(0, excess);
    }
    // Two idle ticks in a row: stop until the next task, so an idle pool holds no timer.
    if (this.pool.idle()) {
      if (++this.#idleTicks >= 2) this.stop();
    } else this.#idleTicks = 0;
  }
}
