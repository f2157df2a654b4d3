/**
 * The schedule scripts: define, pause, delete and list schedules, find the due ones, and fire a
 * tick (claim it and make its job) in one atomic step, so that each tick makes exactly one job
 * whichever nodes look at it, with no leader.
 *
 * Keys (named in ../redis_keys.ts, all under the queue's prefix P, so in its slot):
 * - `schedules` (sorted set): schedule ids by creation order; its size is the schedule bound.
 * - `schedDue` (sorted set): unpaused schedule ids by next tick (ms).
 * - `schedSeq` (counter): creation order.
 * - `sched` (derived, hash): `spec` (JSON), `next` (ms), `paused` ('0' or '1').
 * - `schedRuns` (derived, list): the last runs, newest first, JSON `{at, jobId | refused}`.
 * FIRE_TICK also writes every key the submit script writes: it runs its body (submit_script.ts).
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { NOW_MS } from "./helpers.ts";
import { SUBMIT_HEADER, SUBMIT_PARTS } from "./submit_script.ts";

/** Runs kept per schedule (the list is trimmed to it): `RUNS_KEPT` of schedule.ts. */
export const RUNS_KEPT_LUA = 10;

/**
 * Creates (`'created'`) or replaces the spec and next tick, keeping the paused state and the
 * runs (`'replaced'`); `'full'` when creating one more would pass the bound.
 */
export const PUT_SCHEDULE = LuaScript.of({
  name: "put_schedule",
  about: "creates or replaces a schedule, within the bound on schedules.",
  argv: ["id", "spec JSON", "next tick (ms)", "most schedules"],
  keys: ["schedules", "schedDue", "schedSeq"],
  derives: ["sched"],
  body: `
local id, spec, nxt, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local sk = sched_key(id)
local exists = redis.call('EXISTS', sk) == 1
if not exists and redis.call('ZCARD', K.schedules) >= max then return 'full' end
if not exists then
  redis.call('ZADD', K.schedules, redis.call('INCR', K.schedSeq), id)
  redis.call('HSET', sk, 'paused', '0')
end
redis.call('HSET', sk, 'spec', spec, 'next', nxt)
if redis.call('HGET', sk, 'paused') == '0' then redis.call('ZADD', K.schedDue, nxt, id) end
if exists then return 'replaced' end
return 'created'
`,
});

/** Replies 0 when there is no such schedule, else 1. */
export const PAUSE_SCHEDULE = LuaScript.of({
  name: "pause_schedule",
  about: "pauses or resumes a schedule.",
  argv: ["id", "'1' to pause or '0' to resume", "the next tick when resuming (ms)"],
  keys: ["schedDue"],
  derives: ["sched"],
  body: `
local id, pause, nxt = ARGV[2], ARGV[3], ARGV[4]
local sk = sched_key(id)
if redis.call('EXISTS', sk) == 0 then return 0 end
if pause == '1' then
  redis.call('HSET', sk, 'paused', '1')
  redis.call('ZREM', K.schedDue, id)
elseif redis.call('HGET', sk, 'paused') == '1' then
  redis.call('HSET', sk, 'paused', '0', 'next', nxt)
  redis.call('ZADD', K.schedDue, nxt, id)
end
return 1
`,
});

/** Replies 1 when it existed. */
export const REMOVE_SCHEDULE = LuaScript.of({
  name: "remove_schedule",
  about: "deletes a schedule and its runs.",
  argv: ["id"],
  keys: ["schedules", "schedDue"],
  derives: ["sched", "schedRuns"],
  body: `
local id = ARGV[2]
redis.call('ZREM', K.schedDue, id)
redis.call('DEL', runs_key(id))
redis.call('ZREM', K.schedules, id)
return redis.call('DEL', sched_key(id))
`,
});

/** Replies a flat list: per schedule id, spec, next, paused, then its runs as one JSON array text. */
export const LIST_SCHEDULES = LuaScript.of({
  name: "list_schedules",
  about: "reads every schedule, or one, with its runs.",
  argv: ["'' for every schedule, or one id"],
  keys: ["schedules"],
  derives: ["sched", "schedRuns"],
  body: `
local ids
if ARGV[2] == '' then ids = redis.call('ZRANGE', K.schedules, 0, -1) else ids = {ARGV[2]} end
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HMGET', sched_key(id), 'spec', 'next', 'paused')
  if h[1] then
    local runs = redis.call('LRANGE', runs_key(id), 0, -1)
    out[#out + 1] = id
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
    out[#out + 1] = h[3]
    out[#out + 1] = '[' .. table.concat(runs, ',') .. ']'
  end
end
return out
`,
});

/**
 * Replies Redis's time (ms), then per due schedule (unpaused, next tick at or before that
 * time): id, spec, next.
 */
export const DUE_SCHEDULES = LuaScript.of({
  name: "due_schedules",
  about: "finds the schedules whose next tick is due.",
  argv: ["most to return"],
  keys: ["schedDue"],
  derives: ["sched"],
  helpers: [NOW_MS],
  body: `
local now = now_ms()
local out = {tostring(now)}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.schedDue, '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))) do
  local h = redis.call('HMGET', sched_key(id), 'spec', 'next')
  if h[1] then
    out[#out + 1] = id
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
  end
end
return out
`,
});

/**
 * ARGV: the submit script's arguments for one job (see submit_script.ts: its bounds, then the
 * job's fields, its id at ARGV[SUBMIT_HEADER + 1]), then three more at the end: schedule id,
 * the tick expected due (ms), the next tick after it (ms, or '+inf'). Only while the schedule's
 * `next` is still the tick expected and it is not paused: submits the job (the submit script's
 * own body, keys and helpers, unchanged), records the run and moves `next`, all in one step; so
 * of every node that fires the same tick, one makes its job and the others are `{'skipped'}`.
 * Replies `{'fired', jobId}`, `{'refused', bound}` (a bound of the submit script: the tick is
 * recorded as refused and not tried again) or `{'skipped'}`.
 */
export const FIRE_TICK = LuaScript.of({
  name: "fire_tick",
  about: "claims a schedule's due tick and submits its job (the submit script's body), at once.",
  argv: [
    ...SUBMIT_PARTS.argv,
    "(after the job's fields, taken off the end first) the schedule id",
    "the tick expected due (ms)",
    "the next tick after it (ms, or '+inf')",
  ],
  keys: [...(SUBMIT_PARTS.keys ?? []), "schedDue"],
  derives: [...(SUBMIT_PARTS.derives ?? []), "sched", "schedRuns"],
  helpers: SUBMIT_PARTS.helpers,
  body: `
local next_ms = table.remove(ARGV)
local expect = table.remove(ARGV)
local sid = table.remove(ARGV)
local function submit_body()
${SUBMIT_PARTS.body.trim()}
end
local sk = sched_key(sid)
local h = redis.call('HMGET', sk, 'next', 'paused')
if not h[1] or h[2] == '1' or h[1] ~= expect then return {'skipped'} end
local reply = submit_body()
local job_id = ARGV[${SUBMIT_HEADER + 1}]
local run, out
if reply[1] == 'ok' then
  run = '{"at":' .. expect .. ',"jobId":"' .. job_id .. '"}'
  out = {'fired', job_id}
else
  run = '{"at":' .. expect .. ',"refused":"' .. tostring(reply[2]) .. '"}'
  out = {'refused', tostring(reply[2])}
end
redis.call('HSET', sk, 'next', next_ms)
redis.call('ZADD', K.schedDue, next_ms, sid)
redis.call('LPUSH', runs_key(sid), run)
redis.call('LTRIM', runs_key(sid), 0, ${RUNS_KEPT_LUA - 1})
return out
`,
});
