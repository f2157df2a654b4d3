/**
 * Which lane each task name runs in: the user's pins first, then the controller's routing, then
 * the pool's default.
 *
 * @module
 */
import type { Lane } from "../tuning/controller_options.ts";
import { type LaneIndex, laneIndex } from "./lane_queues.ts";

/**
 * Lane per task name.
 *
 * @example
 * ```ts
 * import { LaneTable } from "./lane_table.ts";
 * const lanes = new LaneTable({ fetch: "async" }, 0);
 * console.log(lanes.laneOf("fetch"), lanes.laneOf("render")); // 1 0
 * console.log(lanes.route({ render: "async", fetch: "worker" })); // [["render", 1]]: pins win
 * ```
 */
export class LaneTable {
  readonly #pinned: Map<string, LaneIndex>;
  readonly #routes = new Map<string, LaneIndex>();

  constructor(pinned: Readonly<Record<string, Lane>>, readonly defaultLane: LaneIndex) {
    this.#pinned = new Map(Object.entries(pinned).map(([name, lane]) => [name, laneIndex(lane)]));
  }

  /** The lane a new task named `name` queues in. */
  laneOf(name: string): LaneIndex {
    return this.#pinned.get(name) ?? this.#routes.get(name) ?? this.defaultLane;
  }

  /** Takes the controller's routing; returns the unpinned names whose lane changed. */
  route(lanes: Readonly<Record<string, Lane>>): [string, LaneIndex][] {
    const changed: [string, LaneIndex][] = [];
    for (const [name, lane] of Object.entries(lanes)) {
      const index = laneIndex(lane);
      if (this.#routes.get(name) === index) continue;
      this.#routes.set(name, index);
      if (!this.#pinned.has(name)) changed.push([name, index]);
    }
    return changed;
  }
}
