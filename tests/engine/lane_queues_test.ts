import { test } from "node:test";
import assert from "node:assert/strict";
import { LaneTable } from "../../src/engine/lane_queues.ts";

test("LaneTable: pins win over routing, routing over the default", () => {
  const lanes = new LaneTable({ pinnedWorker: "worker", pinnedAsync: "async" }, "worker");
  assert.deepEqual(
    ["pinnedWorker", "pinnedAsync", "other"].map((n) => lanes.laneOf(n)),
    ["worker", "async", "worker"],
  );
  const changed = lanes.route({ pinnedWorker: "async", other: "async" });
  assert.deepEqual(changed, [["other", "async"]]);
  assert.equal(lanes.laneOf("pinnedWorker"), "worker");
  assert.equal(lanes.laneOf("other"), "async");
  assert.deepEqual(lanes.route({ other: "async" }), [], "no change, nothing reported");
  assert.deepEqual(lanes.route({ other: "worker" }), [["other", "worker"]]);
});
