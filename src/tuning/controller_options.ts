/**
 * Options of the adaptive controller, with the Multithread seed's meaning (soft/hard limits,
 * policy, monitor interval, busy-ratio thresholds, CPU threshold), their defaults, and up-front
 * validation. {@linkcode resolveControllerOptions} turns user options into a complete, frozen set.
 *
 * @module
 */
import {
  assertInteger,
  assertKnownOptions,
  assertNumber,
  assertOneOf,
  assertOptionsObject,
  assertTimerMs,
} from "../validate.ts";
import type { Lane } from "../lane.ts";

/** How eagerly the threshold rules resize the pool. */
export type ScalingPolicy = "conservative" | "balanced" | "aggressive";

/** Step sizes of a policy (plain data so the dashboard can show them). */
export interface PolicyPreset {
  /** Fraction of the current worker count added per scale-up (at least one worker). */
  readonly growth: number;
  /** Workers removed per scale-down. */
  readonly downStep: number;
  /** Consecutive idle intervals before a scale-down. */
  readonly idleIntervals: number;
  /** Consecutive intervals of a growing queue before passing the soft limit. */
  readonly growIntervals: number;
}

/**
 * The seed's three policies: conservative grows slowly and shrinks quickly, aggressive grows
 * quickly and keeps workers longer for the next burst.
 *
 * @example
 * ```ts
 * import { POLICY_PRESETS } from "./controller_options.ts";
 * console.log(POLICY_PRESETS.balanced.idleIntervals); // 4
 * ```
 */
export const POLICY_PRESETS: Readonly<Record<ScalingPolicy, PolicyPreset>> = Object.freeze({
  conservative: { growth: 0, downStep: 2, idleIntervals: 2, growIntervals: 6 },
  balanced: { growth: 0.5, downStep: 1, idleIntervals: 4, growIntervals: 4 },
  aggressive: { growth: 1, downStep: 1, idleIntervals: 8, growIntervals: 2 },
});

/** What a user may set; every field is optional. */
export interface ControllerOptions {
  /** Workers kept even when idle. @default {1} */
  minWorkers?: number;
  /** Workers the pool may ever hold. @default {2 × cores} */
  maxWorkers?: number;
  /** Preferred ceiling, passed only while the queue keeps growing. @default {cores} */
  softLimit?: number;
  /** Absolute ceiling, never exceeded; at most `maxWorkers`. @default {maxWorkers} */
  hardLimit?: number;
  /** Step sizes and patience, see {@linkcode POLICY_PRESETS}. @default {"balanced"} */
  policy?: ScalingPolicy;
  /** How often the pool samples and calls `decide`, in ms. @default {250} */
  monitorIntervalMs?: number;
  /** Busy ratio (busy workers / workers) at or above which the pool may grow. @default {0.75} */
  scaleUpThreshold?: number;
  /** Busy ratio below which an empty-queue interval counts as idle. @default {0.25} */
  scaleDownThreshold?: number;
  /** Machine CPU (0..1) above which the pool never grows. @default {0.8} */
  cpuThreshold?: number;
  /** Minimum time between two threshold resizes, in ms. @default {2 × monitorIntervalMs} */
  cooldownMs?: number;
  /** Scale up only when the queue holds more than this many tasks per worker. @default {1.5} */
  queueFactor?: number;
  /** Smallest in-flight limit per worker on the async lane. @default {1} */
  minConcurrency?: number;
  /** Largest in-flight limit per worker on the async lane (2 workers → 1024). @default {512} */
  maxConcurrency?: number;
  /** Throughput gain a probe must show to be kept, as a fraction. @default {0.05} */
  noiseMargin?: number;
  /** Intervals before a CPU-bound load with unknown CPU use probes past the cores. @default {80} */
  exploreIntervals?: number;
  /** Completed tasks of a name before it is routed by its W/C. @default {8} */
  routeMinSamples?: number;
  /** Band around W/C = 1 a routed name must cross to change lane (0.25: 1.25 / 0.8). @default {0.25} */
  routeHysteresis?: number;
  /** Lanes fixed by the user; they always win over measurement. @default {{}} */
  pinnedLanes?: Readonly<Record<string, Lane>>;
  /** Decisions kept in the state's ring. @default {100} */
  historySize?: number;
}

/** The names of {@linkcode ControllerOptions}, for the unknown-option check. */
export const CONTROLLER_OPTION_NAMES: readonly string[] = Object.freeze([
  "minWorkers",
  "maxWorkers",
  "softLimit",
  "hardLimit",
  "policy",
  "monitorIntervalMs",
  "scaleUpThreshold",
  "scaleDownThreshold",
  "cpuThreshold",
  "cooldownMs",
  "queueFactor",
  "minConcurrency",
  "maxConcurrency",
  "noiseMargin",
  "exploreIntervals",
  "routeMinSamples",
  "routeHysteresis",
  "pinnedLanes",
  "historySize",
]);

/** Every option set, validated; produced by {@linkcode resolveControllerOptions}. */
export type ResolvedControllerOptions =
  & Readonly<Required<Omit<ControllerOptions, "pinnedLanes">>>
  & { readonly pinnedLanes: Readonly<Record<string, Lane>>; readonly resolved: true };

const ACTION = "create controller";

function assertOrdered(low: string, lowValue: number, high: string, highValue: number): void {
  if (highValue < lowValue) {
    throw new RangeError(
      `Cannot ${ACTION} as '${high}' must be >= '${low}' (${lowValue}): current value is ${highValue}`,
    );
  }
}

/**
 * Fills defaults from the effective core count and validates every option, throwing a
 * `RangeError`/`TypeError` that names the option (and its partner for ordered pairs).
 *
 * @example
 * ```ts
 * import { resolveControllerOptions } from "./controller_options.ts";
 * const o = resolveControllerOptions(2, { policy: "aggressive" });
 * console.log(o.softLimit, o.hardLimit, o.maxConcurrency); // 2 4 512
 * ```
 */
export function resolveControllerOptions(
  cores: number,
  options: ControllerOptions = {},
): ResolvedControllerOptions {
  assertNumber(ACTION, "cores", cores, { min: 0 });
  assertOptionsObject(ACTION, "options", options);
  assertKnownOptions(ACTION, options, CONTROLLER_OPTION_NAMES);
  // A fractional quota (1.5 CPUs) still runs whole workers: round, and never below one.
  const whole = Math.max(1, Math.round(cores));
  const minWorkers = options.minWorkers ?? 1;
  assertInteger(ACTION, "minWorkers", minWorkers);
  const maxWorkers = options.maxWorkers ?? Math.max(minWorkers, 1, 2 * whole);
  assertInteger(ACTION, "maxWorkers", maxWorkers, { min: 1 });
  assertOrdered("minWorkers", minWorkers, "maxWorkers", maxWorkers);
  const hardLimit = options.hardLimit ?? maxWorkers;
  assertInteger(ACTION, "hardLimit", hardLimit, { min: 1 });
  assertOrdered("hardLimit", hardLimit, "maxWorkers", maxWorkers);
  assertOrdered("minWorkers", minWorkers, "hardLimit", hardLimit);
  const softLimit = options.softLimit ?? Math.min(hardLimit, Math.max(minWorkers, 1, whole));
  assertInteger(ACTION, "softLimit", softLimit, { min: 1 });
  assertOrdered("softLimit", softLimit, "hardLimit", hardLimit);
  assertOrdered("minWorkers", minWorkers, "softLimit", softLimit);
  const policy = options.policy ?? "balanced";
  assertOneOf(ACTION, "policy", policy, Object.keys(POLICY_PRESETS) as ScalingPolicy[]);
  const monitorIntervalMs = options.monitorIntervalMs ?? 250;
  assertNumber(ACTION, "monitorIntervalMs", monitorIntervalMs, { min: 1 });
  assertTimerMs(ACTION, "monitorIntervalMs", monitorIntervalMs);
  const scaleUpThreshold = options.scaleUpThreshold ?? 0.75;
  assertNumber(ACTION, "scaleUpThreshold", scaleUpThreshold, { min: 0, max: 1 });
  const scaleDownThreshold = options.scaleDownThreshold ?? 0.25;
  assertNumber(ACTION, "scaleDownThreshold", scaleDownThreshold, { min: 0, max: 1 });
  // Equal thresholds leave no band between growing and shrinking: a steady load would flap.
  if (scaleDownThreshold >= scaleUpThreshold) {
    throw new RangeError(
      `Cannot ${ACTION} as 'scaleDownThreshold' must be < 'scaleUpThreshold' ` +
        `(${scaleUpThreshold}): current value is ${scaleDownThreshold}`,
    );
  }
  const cpuThreshold = options.cpuThreshold ?? 0.8;
  assertNumber(ACTION, "cpuThreshold", cpuThreshold, { min: 0, max: 1 });
  const cooldownMs = options.cooldownMs ?? 2 * monitorIntervalMs;
  assertNumber(ACTION, "cooldownMs", cooldownMs, { min: 0 });
  const queueFactor = options.queueFactor ?? 1.5;
  assertNumber(ACTION, "queueFactor", queueFactor, { min: 0 });
  const minConcurrency = options.minConcurrency ?? 1;
  assertInteger(ACTION, "minConcurrency", minConcurrency, { min: 1 });
  const maxConcurrency = options.maxConcurrency ?? Math.max(512, minConcurrency);
  assertInteger(ACTION, "maxConcurrency", maxConcurrency, { min: 1 });
  assertOrdered("minConcurrency", minConcurrency, "maxConcurrency", maxConcurrency);
  const noiseMargin = options.noiseMargin ?? 0.05;
  assertNumber(ACTION, "noiseMargin", noiseMargin, { min: 0, max: 10 });
  const exploreIntervals = options.exploreIntervals ?? 80;
  assertInteger(ACTION, "exploreIntervals", exploreIntervals, { min: 1 });
  const routeMinSamples = options.routeMinSamples ?? 8;
  assertInteger(ACTION, "routeMinSamples", routeMinSamples, { min: 1 });
  const routeHysteresis = options.routeHysteresis ?? 0.25;
  assertNumber(ACTION, "routeHysteresis", routeHysteresis, { min: 0, max: 10 });
  const historySize = options.historySize ?? 100;
  assertInteger(ACTION, "historySize", historySize, { min: 1 });
  const pinnedLanes = { ...(options.pinnedLanes ?? {}) };
  for (const [name, lane] of Object.entries(pinnedLanes)) {
    assertOneOf(ACTION, `pinnedLanes.${name}`, lane, ["worker", "async"]);
  }
  return Object.freeze({
    minWorkers,
    maxWorkers,
    softLimit,
    hardLimit,
    policy,
    monitorIntervalMs,
    scaleUpThreshold,
    scaleDownThreshold,
    cpuThreshold,
    cooldownMs,
    queueFactor,
    minConcurrency,
    maxConcurrency,
    noiseMargin,
    exploreIntervals,
    routeMinSamples,
    routeHysteresis,
    historySize,
    pinnedLanes: Object.freeze(pinnedLanes),
    resolved: true as const,
  });
}
