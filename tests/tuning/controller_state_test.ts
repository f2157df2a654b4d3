import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createControllerState,
  type Decision,
  recentDecisions,
} from "../../src/tuning/controller_state.ts";

const decision = (at: number): Decision => ({ at, kind: "scale-up", from: 1, to: 2, reason: "r" });

test("createControllerState starts idle with no target, lanes or history", () => {
  const s = createControllerState();
  assert.deepEqual([s.target, s.load.kind, s.lanes, s.history, s.provenWorkers], [
    undefined,
    "idle",
    {},
    [],
    0,
  ]);
});

test("recentDecisions returns the newest decisions, oldest first, up to a limit", () => {
  const state = { ...createControllerState(), history: [1, 2, 3, 4].map(decision) };
  assert.deepEqual(recentDecisions(state).map((d) => d.at), [1, 2, 3, 4]);
  assert.deepEqual(recentDecisions(state, { limit: 2 }).map((d) => d.at), [3, 4]);
  assert.deepEqual(recentDecisions(state, { limit: 0 }), []);
  assert.throws(() => recentDecisions(state, { limit: -1 }), /'limit' must be an integer >= 0/);
});
