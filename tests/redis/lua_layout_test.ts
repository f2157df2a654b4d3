// The scripts' layout: each declares, in its header and its KEYS, every fixed key its Lua
// touches, and includes only the helpers it calls; every key of a queue hashes to one slot.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CANCEL, RELEASE } from "../../src/redis/lua/cancel_script.ts";
import { HEARTBEAT, RECLAIM } from "../../src/redis/lua/claim_script.ts";
import { FINISH } from "../../src/redis/lua/finish_script.ts";
import { MAINTAIN, PROGRESS } from "../../src/redis/lua/maintain_script.ts";
import { SUBMIT } from "../../src/redis/lua/submit_script.ts";
import { TAKE } from "../../src/redis/lua/take_script.ts";
import {
  DUE_SCHEDULES,
  FIRE_TICK,
  LIST_SCHEDULES,
  PAUSE_SCHEDULE,
  PUT_SCHEDULE,
  REMOVE_SCHEDULE,
} from "../../src/redis/lua/schedule_scripts.ts";
import { HOOK_CLAIM, HOOK_RECORD } from "../../src/redis/lua/webhook_scripts.ts";
import { APPEND_CHUNKS, SWEEP_CHUNKS } from "../../src/redis/lua/chunk_scripts.ts";
import { DERIVED, FIXED, redisKeys } from "../../src/redis/redis_keys.ts";
import { hashSlot } from "./hash_slot.ts";

const SCRIPTS = {
  CANCEL,
  RELEASE,
  HEARTBEAT,
  RECLAIM,
  FINISH,
  MAINTAIN,
  PROGRESS,
  SUBMIT,
  TAKE,
  // Webhooks (issue 26) and schedules (issue 25), laid out the same way.
  HOOK_CLAIM,
  HOOK_RECORD,
  PUT_SCHEDULE,
  PAUSE_SCHEDULE,
  REMOVE_SCHEDULE,
  LIST_SCHEDULES,
  DUE_SCHEDULES,
  FIRE_TICK,
  // Streamed jobs' chunks (issue 27).
  APPEND_CHUNKS,
  SWEEP_CHUNKS,
};

test("every script declares each key it touches, and no key name is written in its Lua", () => {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const used = new Set([...script.source.matchAll(/\bK\.(\w+)/g)].map((m) => m[1]));
    for (const k of used) assert.ok(script.keys.includes(k as never), `${name} uses K.${k}`);
    assert.equal(script.keys.at(-1), "moving", name);
    for (const [i, k] of script.keys.entries()) {
      assert.ok(script.head.includes(`KEYS[${i + 1}] P${FIXED[k]}`), `${name}'s header: ${k}`);
    }
    // Names come from redis_keys.ts only: no ':jobs'-like literal in the Lua.
    const literals = [...Object.values(FIXED), ...Object.values(DERIVED)].filter((s) =>
      script.body.includes(`'${s}`)
    );
    assert.deepEqual(literals, [], name);
  }
});

test("a script includes the helpers it calls and no other", () => {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    const defined = [...script.source.matchAll(/local function (\w+)/g)].map((m) => m[1]);
    for (const f of defined) {
      const calls = script.source.split(`${f}(`).length - 1;
      assert.ok(calls > 1, `${name} defines ${f} and never calls it`);
    }
  }
});

test("every key of a queue, derived ones included, is in the slot of its prefix", () => {
  const keys = redisKeys("workloom");
  assert.equal(keys.prefix, "{workloom}");
  const slot = hashSlot(keys.prefix);
  assert.equal(slot, hashSlot("workloom"));
  for (const k of Object.keys(FIXED) as (keyof typeof FIXED)[]) {
    assert.equal(hashSlot(keys[k]), slot, k);
  }
  for (const d of Object.keys(DERIVED) as (keyof typeof DERIVED)[]) {
    assert.equal(hashSlot(keys[d]("some:id")), slot, d);
  }
  // Without the tag, the keys of one queue would spread over the slots.
  assert.notEqual(hashSlot("workloom:jobs"), hashSlot("workloom:events"));
});

test("the slot computed here is Redis's own", () => {
  // As `redis-cli cluster keyslot` answers.
  assert.equal(hashSlot("{wl}"), 15588);
  assert.equal(hashSlot("{wl}:jobs"), 15588);
});
