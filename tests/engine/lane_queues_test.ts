import { test } from "node:test";
import assert from "node:assert/strict";
import { LaneTable } from "../../src/engine/lane_queues.ts";

test("LaneTable: pins win over routing, routing over the default", () => {
  const lanes = new LaneTable({ pinnedWorker: "worker", pinnedAsync: "async" }, 0);
  assert.deepEqual(
    ["pinnedWorker", "pinnedAsync", "other"].map((n) => lanes.laneOf(n)),
    [0, 1, 0],
  );
  const changed = lanes.route({ pinnedWorker: "async", other: "async" });
  assert.deepEqual(changed, [["other", 1]]);
  assert.equal(lanes.laneOf("pinnedWorker"), 0);
  assert.equal(lanes.laneOf("other"), 1);
  assert.deepEqual(lanes.route({ other: "async" }), [], "no change, nothing reported");
  assert.deepEqual(lanes.route({ other: "worker" }), [["other", 0]]);
});
