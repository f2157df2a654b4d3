/**
 * Service-level targets per stage: a stage may take at most `maxDurationMs` from its first task's
 * start to its last task's finish (and, optionally, no single task may pass `maxTaskMs`).
 * Reaching `warnAt` of a limit is a warning; passing it is a violation; a violation of a
 * `critical` target is blocking, for callers that stop a pipeline on it.
 *
 * @module
 */
import type { StageSummary } from "../metrics/metrics_snapshot.ts";
import { formatMs } from "./text_format.ts";
import { assertNumber } from "../validate.ts";

/** The SLA of one stage. */
export interface SlaTarget {
  stage: string;
  /** Longest acceptable stage duration. */
  maxDurationMs: number;
  /** Longest acceptable single task in the stage. @default {undefined} (not checked) */
  maxTaskMs?: number;
  /** Fraction of a limit from which a warning is raised, in (0, 1]. @default {0.8} */
  warnAt?: number;
  /** Whether a violation should block (the caller decides what blocking means). @default {false} */
  critical?: boolean;
}

/** One warning or violation. */
export interface SlaFinding {
  stage: string;
  /** Which limit: the stage duration or its longest task. */
  measure: "stage" | "task";
  level: "warning" | "violation";
  critical: boolean;
  actualMs: number;
  limitMs: number;
  message: string;
}

/** The outcome of {@linkcode checkSla}. */
export interface SlaResult {
  /** No violations (warnings allowed). */
  met: boolean;
  /** At least one violation of a critical target. */
  blocking: boolean;
  violations: SlaFinding[];
  warnings: SlaFinding[];
  /** Stages with a target but no finished task yet. */
  unmeasured: string[];
}

function validate(t: SlaTarget, i: number, seen: Set<string>): void {
  if (typeof t?.stage !== "string" || t.stage === "" || seen.has(t.stage)) {
    throw new TypeError(
      `Cannot check SLA as 'targets[${i}].stage' must be a unique non-empty string: ` +
        `current value is ${JSON.stringify(t?.stage)}`,
    );
  }
  seen.add(t.stage);
  assertNumber("check SLA", `targets[${i}].maxDurationMs`, t.maxDurationMs, { min: 1e-9 });
  if (t.maxTaskMs !== undefined) {
    assertNumber("check SLA", `targets[${i}].maxTaskMs`, t.maxTaskMs, { min: 1e-9 });
  }
  if (t.warnAt !== undefined) {
    assertNumber("check SLA", `targets[${i}].warnAt`, t.warnAt, { min: 1e-9, max: 1 });
  }
}

/**
 * Checks stage durations against their targets.
 *
 * @example
 * ```ts
 * import { checkSla } from "./sla.ts";
 * const stage = { stage: "render", tasks: 4, ok: 4, failed: 0, firstStartAt: 0,
 *   lastFinishAt: 12_000, durationMs: 12_000, maxTaskMs: 3_000, meanTaskMs: 2_500 };
 * const r = checkSla([stage], [{ stage: "render", maxDurationMs: 10_000, critical: true }]);
 * console.log(r.blocking, r.violations[0].message);
 * ```
 */
export function checkSla(
  stages: readonly StageSummary[],
  targets: readonly SlaTarget[],
  { defaultMaxDurationMs }: {
    /** Limit for stages that have no target of their own. @default {undefined} (not checked) */
    defaultMaxDurationMs?: number;
  } = {},
): SlaResult {
  const seen = new Set<string>();
  targets.forEach((t, i) => validate(t, i, seen));
  if (defaultMaxDurationMs !== undefined) {
    assertNumber("check SLA", "defaultMaxDurationMs", defaultMaxDurationMs, { min: 1e-9 });
  }
  const byStage = new Map(stages.map((s) => [s.stage, s]));
  const all: SlaTarget[] = [...targets];
  if (defaultMaxDurationMs !== undefined) {
    for (const s of stages) {
      if (!seen.has(s.stage)) all.push({ stage: s.stage, maxDurationMs: defaultMaxDurationMs });
    }
  }
  const result: SlaResult = {
    met: true,
    blocking: false,
    violations: [],
    warnings: [],
    unmeasured: [],
  };
  for (const t of all) {
    const s = byStage.get(t.stage);
    if (!s) {
      result.unmeasured.push(t.stage);
      continue;
    }
    judge(result, t, "stage", s.durationMs, t.maxDurationMs);
    if (t.maxTaskMs !== undefined) judge(result, t, "task", s.maxTaskMs, t.maxTaskMs);
  }
  result.met = result.violations.length === 0;
  result.blocking = result.violations.some((v) => v.critical);
  return result;
}

function judge(
  result: SlaResult,
  t: SlaTarget,
  measure: "stage" | "task",
  actualMs: number,
  limitMs: number,
): void {
  const warnAt = t.warnAt ?? 0.8;
  const critical = t.critical ?? false;
  const what = measure === "stage"
    ? `Stage '${t.stage}' took`
    : `A task of stage '${t.stage}' took`;
  const limit = measure === "stage" ? "its SLA" : "the per-task SLA";
  const pct = `${((actualMs / limitMs) * 100).toFixed(1)} %`;
  if (actualMs > limitMs) {
    result.violations.push({
      stage: t.stage,
      measure,
      level: "violation",
      critical,
      actualMs,
      limitMs,
      message: `${what} ${formatMs(actualMs)}, over ${limit} of ${formatMs(limitMs)} (${pct})` +
        (critical ? " [critical]" : ""),
    });
  } else if (actualMs >= warnAt * limitMs) {
    result.warnings.push({
      stage: t.stage,
      measure,
      level: "warning",
      critical,
      actualMs,
      limitMs,
      message: `${what} ${formatMs(actualMs)}, ${pct} of ${limit} of ${formatMs(limitMs)} ` +
        `(warning from ${(warnAt * 100).toFixed(0)} %)`,
    });
  }
}
