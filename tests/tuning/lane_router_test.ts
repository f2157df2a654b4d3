import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyLoad, LANE_CODE, routeLanes } from "../../src/tuning/lane_router.ts";
import { inFlightForWaitRatio, waitComputeRatio } from "../../src/sizing/littles_law.ts";

const route = { now: 7, pinnedLanes: {}, routeMinSamples: 8, routeHysteresis: 0.25 };

test("waitComputeRatio stays finite when compute is too small to measure", () => {
  assert.deepEqual(
    [
      waitComputeRatio(20, 0.5),
      waitComputeRatio(2, 0),
      waitComputeRatio(0, 0),
      waitComputeRatio(-3, 10),
    ],
    [40, 2000, 0, 0],
  );
  assert.deepEqual([inFlightForWaitRatio(2, 595), inFlightForWaitRatio(3, 0)], [1192, 3]);
});

test("routeLanes sends mostly-waiting names to async and records the change", () => {
  const r = routeLanes({}, {
    sleep: { count: 25, waitMs: 20, computeMs: 0.02 },
    fib: { count: 9, waitMs: 0, computeMs: 40 },
  }, route);
  assert.deepEqual(r.lanes, { sleep: "async", fib: "worker" });
  assert.deepEqual(r.decisions, [{
    at: 7,
    kind: "route",
    from: LANE_CODE.worker,
    to: LANE_CODE.async,
    task: "sleep",
    reason: `route "sleep" worker→async: W/C 1000 > 1.00 after 25 samples`,
  }]);
});

test("routeLanes waits for the minimum sample count before routing a name", () => {
  const r = routeLanes({ old: "async" }, {
    sleep: { count: 7, waitMs: 20, computeMs: 1 },
    old: { count: 2, waitMs: 0, computeMs: 9 },
  }, route);
  assert.deepEqual(r, { lanes: { old: "async" }, decisions: [] });
});

test("routeLanes moves a routed name only when W/C leaves the hysteresis band", () => {
  const table: ["worker" | "async", number, "worker" | "async"][] = [
    ["worker", 1.2, "worker"], // inside the band: stays
    ["worker", 1.3, "async"],
    ["async", 0.85, "async"],
    ["async", 0.75, "worker"],
  ];
  for (const [from, wc, to] of table) {
    const r = routeLanes({ t: from }, { t: { count: 50, waitMs: wc, computeMs: 1 } }, route);
    assert.equal(r.lanes.t, to, `${from} at W/C ${wc}`);
    assert.equal(r.decisions.length, from === to ? 0 : 1);
  }
  const back = routeLanes({ t: "async" }, { t: { count: 50, waitMs: 0.5, computeMs: 1 } }, route);
  assert.equal(
    back.decisions[0].reason,
    `route "t" async→worker: W/C 0.50 ≤ 0.80 after 50 samples`,
  );
});

test("routeLanes lets user pins win, even without samples", () => {
  const pinnedLanes = { sleep: "worker", hash: "async" } as const;
  const r = routeLanes({ sleep: "async" }, { sleep: { count: 99, waitMs: 50, computeMs: 1 } }, {
    ...route,
    pinnedLanes,
  });
  assert.deepEqual(r.lanes, { sleep: "worker", hash: "async" });
  assert.deepEqual(r.decisions.map((d) => d.reason), [
    `route "sleep" async→worker: pinned by the user`,
    `route "hash" worker→async: pinned by the user`,
  ]);
  const again = routeLanes(r.lanes, {}, { ...route, pinnedLanes });
  assert.equal(again.decisions.length, 0);
});

test("classifyLoad weighs the names that completed since the last sample by their time", () => {
  const tasks = {
    fib: { count: 30, waitMs: 0.1, computeMs: 40 },
    sleep: { count: 1000, waitMs: 20, computeMs: 0.02 },
  };
  const lanes = { sleep: "async" } as const;
  assert.deepEqual(classifyLoad(tasks, { fib: 20, sleep: 1000 }, lanes), {
    kind: "cpu",
    wc: 0.0025,
  });
  const io = classifyLoad(tasks, { fib: 30, sleep: 500 }, lanes);
  assert.equal(io.kind, "io");
  assert.equal(Math.round(io.wc), 1000);
  assert.deepEqual(classifyLoad(tasks, { fib: 30, sleep: 1000 }, lanes), { kind: "idle", wc: 0 });
  // Unrouted names count as worker-lane work; an unseen name counts all its completions.
  assert.equal(classifyLoad(tasks, {}, {}).kind, "cpu");
});
