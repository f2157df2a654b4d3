import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FIRST_RESPAWN_DELAY_MS,
  MAX_RESPAWN_DELAY_MS,
  respawnDelayMs,
} from "../../src/engine/respawn_backoff.ts";

test("respawnDelayMs waits nothing after a lone death, then doubles from 25 ms up to 2 s", () => {
  const table: [number, number][] = [
    [0, 0],
    [1, 0],
    [2, FIRST_RESPAWN_DELAY_MS],
    [3, 50],
    [4, 100],
    [8, 1600],
    [9, MAX_RESPAWN_DELAY_MS],
    [1000, MAX_RESPAWN_DELAY_MS],
  ];
  for (const [deaths, ms] of table) assert.equal(respawnDelayMs(deaths), ms, `${deaths} deaths`);
});
