/**
 * The controller's memory between intervals and its decision record: plain data, replaced (never
 * mutated) by each `decide` step, with a bounded ring of recent decisions.
 *
 * @module
 */
import type { Lane } from "../lane.ts";
import type { ControllerTarget, Decision } from "./decision.ts";
import { type ClimbState, INITIAL_CLIMB } from "./hill_climb.ts";
import type { LoadProfile } from "./lane_router.ts";
import { INITIAL_SCALING, type ScalingState } from "./scaling_policy.ts";
import { assertInteger } from "../validate.ts";

export type { ControllerTarget, Decision };

/** Everything the controller remembers. */
export interface ControllerState {
  /** The last target (undefined before the first sample). */
  readonly target?: ControllerTarget;
  /** The previous sample's clock, completions and per-name counts. */
  readonly last?: {
    readonly now: number;
    readonly completed: number;
    readonly counts: Readonly<Record<string, number>>;
  };
  readonly load: LoadProfile;
  /** When the load kind last changed (ms). */
  readonly loadSince: number;
  /** Completions and time at the current shape: the baseline a probe must beat. */
  readonly steady: { readonly completed: number; readonly ms: number };
  /** Worker count a kept probe proved better for the current load (0 when none). */
  readonly provenWorkers: number;
  readonly scaling: ScalingState;
  readonly workerClimb: ClimbState;
  readonly concurrencyClimb: ClimbState;
  readonly lanes: Readonly<Record<string, Lane>>;
  /** Recent decisions, oldest first, at most `historySize`. */
  readonly history: readonly Decision[];
}

/**
 * The state before the first sample.
 *
 * @example
 * ```ts
 * import { createControllerState } from "./controller_state.ts";
 * console.log(createControllerState().history.length); // 0
 * ```
 */
export function createControllerState(): ControllerState {
  return {
    load: { kind: "idle", wc: 0 },
    loadSince: 0,
    steady: { completed: 0, ms: 0 },
    provenWorkers: 0,
    scaling: INITIAL_SCALING,
    workerClimb: INITIAL_CLIMB,
    concurrencyClimb: INITIAL_CLIMB,
    lanes: {},
    history: [],
  };
}

/**
 * The most recent recorded decisions, oldest first.
 *
 * @example
 * ```ts
 * import { createControllerState, recentDecisions } from "./controller_state.ts";
 * console.log(recentDecisions(createControllerState(), { limit: 10 })); // []
 * ```
 */
export function recentDecisions(
  state: ControllerState,
  options: { limit?: number } = {},
): Decision[] {
  const { limit = state.history.length } = options;
  assertInteger("read decisions", "limit", limit);
  return limit === 0 ? [] : state.history.slice(-limit);
}
