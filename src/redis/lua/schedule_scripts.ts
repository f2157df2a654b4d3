/**
 * The schedule scripts: define, pause, delete and list schedules, find the due ones, and fire a
 * tick (claim it and make its job) in one atomic step, so that each tick makes exactly one job
 * whichever nodes look at it, with no leader.
 *
 * KEYS: none (like every script of the queue, names are built from the prefix, ARGV[1]).
 * Key families derived from the prefix P (see `scheduleKeys` in ../redis_keys.ts):
 * - `P:schedules` (sorted set): schedule ids by creation order; its size is the schedule bound.
 * - `P:sched-due` (sorted set): unpaused schedule ids by next tick (ms).
 * - `P:sched:<id>` (hash): `spec` (JSON), `next` (ms), `paused` ('0' or '1').
 * - `P:sched-runs:<id>` (list): the last runs, newest first, JSON `{at, jobId | refused}`.
 * - `P:sched-seq` (counter): creation order.
 * FIRE also writes every key the submit script writes (see submit_script.ts).
 *
 * @module
 */
import { LuaScript } from "../lua_script.ts";
import { PRELUDE } from "./prelude.ts";
import { SUBMIT, SUBMIT_HEADER } from "./submit_script.ts";

/** Runs kept per schedule (the list is trimmed to it): `RUNS_KEPT` of schedule.ts. */
export const RUNS_KEPT_LUA = 10;

const NAMES = `
local SCHEDS, DUE = P .. ':schedules', P .. ':sched-due'
local function sched_key(id) return P .. ':sched:' .. id end
local function runs_key(id) return P .. ':sched-runs:' .. id end
`;

/**
 * ARGV[1] prefix, ARGV[2] id, ARGV[3] spec JSON, ARGV[4] next tick (ms), ARGV[5] most
 * schedules. Creates (`'created'`) or replaces the spec and next tick, keeping the paused state
 * and the runs (`'replaced'`); `'full'` when creating one more would pass the bound.
 */
export const PUT_SCHEDULE = new LuaScript(
  PRELUDE + NAMES + `
local id, spec, nxt, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local sk = sched_key(id)
local exists = redis.call('EXISTS', sk) == 1
if not exists and redis.call('ZCARD', SCHEDS) >= max then return 'full' end
if not exists then
  redis.call('ZADD', SCHEDS, redis.call('INCR', P .. ':sched-seq'), id)
  redis.call('HSET', sk, 'paused', '0')
end
redis.call('HSET', sk, 'spec', spec, 'next', nxt)
if redis.call('HGET', sk, 'paused') == '0' then redis.call('ZADD', DUE, nxt, id) end
if exists then return 'replaced' end
return 'created'
`,
);

/**
 * ARGV[1] prefix, ARGV[2] id, ARGV[3] '1' to pause or '0' to resume, ARGV[4] the next tick
 * when resuming (ms). Replies 0 when there is no such schedule, else 1.
 */
export const PAUSE_SCHEDULE = new LuaScript(
  PRELUDE + NAMES + `
local id, pause, nxt = ARGV[2], ARGV[3], ARGV[4]
local sk = sched_key(id)
if redis.call('EXISTS', sk) == 0 then return 0 end
if pause == '1' then
  redis.call('HSET', sk, 'paused', '1')
  redis.call('ZREM', DUE, id)
elseif redis.call('HGET', sk, 'paused') == '1' then
  redis.call('HSET', sk, 'paused', '0', 'next', nxt)
  redis.call('ZADD', DUE, nxt, id)
end
return 1
`,
);

/** ARGV[1] prefix, ARGV[2] id. Replies 1 when it existed. */
export const REMOVE_SCHEDULE = new LuaScript(
  PRELUDE + NAMES + `
local id = ARGV[2]
redis.call('ZREM', DUE, id)
redis.call('DEL', runs_key(id))
redis.call('ZREM', SCHEDS, id)
return redis.call('DEL', sched_key(id))
`,
);

/**
 * ARGV[1] prefix, ARGV[2] '' for every schedule or one id. Replies a flat list: per schedule
 * id, spec, next, paused, then its runs as one JSON array text.
 */
export const LIST_SCHEDULES = new LuaScript(
  PRELUDE + NAMES + `
local ids
if ARGV[2] == '' then ids = redis.call('ZRANGE', SCHEDS, 0, -1) else ids = {ARGV[2]} end
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
);

/**
 * ARGV[1] prefix, ARGV[2] most to return. Replies Redis's time (ms), then per due schedule
 * (unpaused, next tick at or before that time): id, spec, next.
 */
export const DUE_SCHEDULES = new LuaScript(
  PRELUDE + NAMES + `
local now = now_ms()
local out = {tostring(now)}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', DUE, '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))) do
  local h = redis.call('HMGET', sched_key(id), 'spec', 'next')
  if h[1] then
    out[#out + 1] = id
    out[#out + 1] = h[1]
    out[#out + 1] = h[2]
  end
end
return out
`,
);

if (!SUBMIT.source.startsWith(PRELUDE)) {
  throw new Error("schedule_scripts.ts: the submit script no longer starts with the prelude");
}

/**
 * ARGV: the submit script's arguments for one job (see submit_script.ts: its bounds, then the
 * job's fields, its id at ARGV[SUBMIT_HEADER + 1]), then three more at the end: schedule id,
 * the tick expected due (ms), the next tick after it (ms, or '+inf'). Only while the schedule's
 * `next` is still the tick expected and it is not paused: submits the job (the submit script's
 * own checks and writes, unchanged), records the run and moves `next`, all in one step; so of
 * every node that fires the same tick, one makes its job and the others are `{'skipped'}`.
 * Replies `{'fired', jobId}`, `{'refused', bound}` (a bound of the submit script: the tick is
 * recorded as refused and not tried again) or `{'skipped'}`.
 */
export const FIRE_TICK = new LuaScript(
  PRELUDE + NAMES + `
local next_ms = table.remove(ARGV)
local expect = table.remove(ARGV)
local sid = table.remove(ARGV)
local function submit_body()
` + SUBMIT.source.slice(PRELUDE.length) + `
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
redis.call('ZADD', DUE, next_ms, sid)
redis.call('LPUSH', runs_key(sid), run)
redis.call('LTRIM', runs_key(sid), 0, ${RUNS_KEPT_LUA - 1})
return out
`,
);
